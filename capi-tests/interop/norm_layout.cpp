/* What src/sys/norm.rs declares of libnorm, against libnorm-dev's <normApi.h>: each
 * function pointer below is initialised with the function itself, which compiles only
 * if the prototype (with the Rust side's types: handles are pointers, the enums C ints)
 * is the header's; then it prints the NormEvent layout and the constants, which
 * tests/multicast.rs compares with the Rust declarations. */
#include <normApi.h>
#include <stddef.h>
#include <stdio.h>
static_assert (sizeof (NormObjectType) == sizeof (int), "enum as c_int");
static_assert (sizeof (NormFlushMode) == sizeof (int), "enum as c_int");
static_assert (sizeof (NormSyncPolicy) == sizeof (int), "enum as c_int");
static_assert (sizeof (NormDescriptor) == sizeof (int), "descriptor as c_int");
NormInstanceHandle (*f1) (bool) = NormCreateInstance;
void (*f2) (NormInstanceHandle) = NormDestroyInstance;
void (*f3) (NormInstanceHandle) = NormStopInstance;
NormDescriptor (*f4) (NormInstanceHandle) = NormGetDescriptor;
bool (*f5) (NormInstanceHandle, NormEvent *, bool) = NormGetNextEvent;
NormSessionHandle (*f6) (NormInstanceHandle, const char *, UINT16, NormNodeId) = NormCreateSession;
void (*f7) (NormSessionHandle) = NormDestroySession;
bool (*f8) (const char *) = NormIsUnicastAddress;
bool (*f9) (NormSessionHandle, UINT8) = NormSetTTL;
bool (*f10) (NormSessionHandle, UINT8) = NormSetTOS;
void (*f11) (NormSessionHandle, bool, const char *, const char *, UINT16) = NormSetRxPortReuse;
bool (*f12) (NormSessionHandle, bool) = NormSetLoopback;
bool (*f13) (NormSessionHandle, const char *) = NormSetMulticastInterface;
void (*f14) (NormSessionHandle, bool) = NormSetDefaultUnicastNack;
void (*f15) (NormSessionHandle, NormSyncPolicy) = NormSetDefaultSyncPolicy;
bool (*f16) (NormSessionHandle, UINT32) = NormStartReceiver;
void (*f17) (NormSessionHandle) = NormStopReceiver;
NormSessionId (*f18) () = NormGetRandomSessionId;
bool (*f19) (NormSessionHandle, NormSessionId, UINT32, UINT16, UINT16, UINT16, UINT8) = NormStartSender;
void (*f20) (NormSessionHandle) = NormStopSender;
void (*f21) (NormSessionHandle, double) = NormSetTxRate;
void (*f22) (NormSessionHandle, bool, bool) = NormSetCongestionControl;
void (*f23) (NormSessionHandle, bool, bool, bool) = NormSetEcnSupport;
void (*f24) (NormSessionHandle, UINT8) = NormSetAutoParity;
NormObjectHandle (*f25) (NormSessionHandle, UINT32, const char *, unsigned int) = NormStreamOpen;
void (*f26) (NormObjectHandle, bool) = NormStreamSetPushEnable;
unsigned int (*f27) (NormObjectHandle, const char *, unsigned int) = NormStreamWrite;
void (*f28) (NormObjectHandle, bool, NormFlushMode) = NormStreamFlush;
bool (*f29) (NormObjectHandle, char *, unsigned int *) = NormStreamRead;
bool (*f30) (NormObjectHandle) = NormStreamSeekMsgStart;
NormObjectType (*f31) (NormObjectHandle) = NormObjectGetType;
void (*f32) (NormObjectHandle) = NormObjectRetain;
void (*f33) (NormObjectHandle) = NormObjectRelease;
void (*f34) (NormNodeHandle) = NormNodeDelete;
int main (void)
{
    printf ("%zu %zu %zu %zu\n", sizeof (NormEvent), offsetof (NormEvent, session),
            offsetof (NormEvent, sender), offsetof (NormEvent, object));
    printf ("%d %d %d %d %d %d %d %d %d %d %u\n", NORM_OBJECT_STREAM, NORM_FLUSH_ACTIVE,
            NORM_SYNC_STREAM, NORM_TX_QUEUE_VACANCY, NORM_TX_QUEUE_EMPTY,
            NORM_REMOTE_SENDER_INACTIVE, NORM_RX_OBJECT_NEW, NORM_RX_OBJECT_UPDATED,
            NORM_RX_OBJECT_COMPLETED, NORM_RX_OBJECT_ABORTED, (unsigned) NORM_NODE_ANY);
    return 0;
}
