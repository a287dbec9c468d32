/* What src/sys/gssapi.rs declares of the GSSAPI, against MIT krb5's <gssapi/gssapi.h>
 * (libkrb5-dev, which libzmq3-dev depends on): each function pointer below is
 * initialised with the function itself, which compiles only if the prototype has the
 * shape the Rust side declares (OM_uint32 is u32, every handle and buffer a pointer,
 * int flags and usages); then it prints the buffer and OID layouts, the constants and
 * the name types' OIDs, which tests/gssapi.rs compares with the Rust declarations. */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

_Static_assert (sizeof (OM_uint32) == sizeof (uint32_t), "OM_uint32 as u32");
_Static_assert (sizeof (gss_qop_t) == sizeof (uint32_t), "gss_qop_t as u32");
_Static_assert (sizeof (gss_cred_usage_t) == sizeof (int), "usage as c_int");

OM_uint32 (*f1) (OM_uint32 *, gss_buffer_t, gss_OID, gss_name_t *) = gss_import_name;
OM_uint32 (*f2) (OM_uint32 *, gss_name_t, gss_buffer_t, gss_OID *) = gss_display_name;
OM_uint32 (*f3) (OM_uint32 *, gss_name_t *) = gss_release_name;
OM_uint32 (*f4) (OM_uint32 *, gss_name_t, OM_uint32, gss_OID_set, gss_cred_usage_t,
                 gss_cred_id_t *, gss_OID_set *, OM_uint32 *) = gss_acquire_cred;
OM_uint32 (*f5) (OM_uint32 *, gss_cred_id_t *) = gss_release_cred;
OM_uint32 (*f6) (OM_uint32 *, gss_cred_id_t, gss_ctx_id_t *, gss_name_t, gss_OID,
                 OM_uint32, OM_uint32, gss_channel_bindings_t, gss_buffer_t, gss_OID *,
                 gss_buffer_t, OM_uint32 *, OM_uint32 *) = gss_init_sec_context;
OM_uint32 (*f7) (OM_uint32 *, gss_ctx_id_t *, gss_cred_id_t, gss_buffer_t,
                 gss_channel_bindings_t, gss_name_t *, gss_OID *, gss_buffer_t,
                 OM_uint32 *, OM_uint32 *, gss_cred_id_t *) = gss_accept_sec_context;
OM_uint32 (*f8) (OM_uint32 *, gss_ctx_id_t *, gss_buffer_t) = gss_delete_sec_context;
OM_uint32 (*f9) (OM_uint32 *, gss_ctx_id_t, int, gss_qop_t, gss_buffer_t, int *,
                 gss_buffer_t) = gss_wrap;
OM_uint32 (*f10) (OM_uint32 *, gss_ctx_id_t, gss_buffer_t, gss_buffer_t, int *,
                  gss_qop_t *) = gss_unwrap;
OM_uint32 (*f11) (OM_uint32 *, gss_buffer_t) = gss_release_buffer;
OM_uint32 (*f12) (OM_uint32 *, OM_uint32, int, gss_OID, OM_uint32 *, gss_buffer_t) =
  gss_display_status;

static void oid (gss_OID o)
{
    for (OM_uint32 i = 0; i < o->length; i++)
        printf ("%02x", ((unsigned char *) o->elements)[i]);
    printf ("\n");
}

int main (void)
{
    printf ("%zu %zu %zu %zu\n", sizeof (gss_buffer_desc), offsetof (gss_buffer_desc, value),
            sizeof (gss_OID_desc), offsetof (gss_OID_desc, elements));
    printf ("%u %u %u %u %u %u %u %u\n", (unsigned) GSS_S_COMPLETE,
            (unsigned) GSS_S_CONTINUE_NEEDED, (unsigned) GSS_C_MUTUAL_FLAG,
            (unsigned) GSS_C_REPLAY_FLAG, (unsigned) GSS_C_BOTH,
            (unsigned) GSS_ERROR (0xffffffffu), (unsigned) GSS_C_GSS_CODE,
            (unsigned) GSS_C_MECH_CODE);
    oid (GSS_C_NT_HOSTBASED_SERVICE);
    oid (GSS_C_NT_USER_NAME);
    oid ((gss_OID) GSS_KRB5_NT_PRINCIPAL_NAME);
    return 0;
}
