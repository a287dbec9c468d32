/* zmq_curve_keypair / zmq_curve_public: our keys are consistent, match known X25519
 * vectors, and interoperate with the real libzmq (libzmq.so.5, loaded in its own link
 * namespace so that none of its calls resolve to our library). Skips (77) when
 * libzmq.so.5 is not installed. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "testutil.h"

typedef int (*curve_keypair_fn) (char *, char *);
typedef int (*curve_public_fn) (char *, const char *);
typedef int (*has_fn) (const char *);

static void check_z85_key (const char *key)
{
    CHECK_EQ_INT (40, strlen (key));
    uint8_t raw[32];
    CHECK (zmq_z85_decode (raw, key) == raw);
}

static void test_ours (void)
{
    char public_key[41], secret_key[41], derived[41];
    char public2[41], secret2[41];
    memset (public_key, 'x', sizeof public_key);
    memset (secret_key, 'x', sizeof secret_key);
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    check_z85_key (public_key);
    check_z85_key (secret_key);
    CHECK (zmq_curve_public (derived, secret_key) == 0);
    CHECK (strcmp (derived, public_key) == 0);

    CHECK (zmq_curve_keypair (public2, secret2) == 0);
    CHECK (strcmp (public2, public_key) != 0);
    CHECK (strcmp (secret2, secret_key) != 0);

    /* RFC 7748 section 6.1 (Alice) and a fixed all-0x11 secret key */
    static const uint8_t alice_secret[32] = {
      0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1,
      0x72, 0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0,
      0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
    static const uint8_t alice_public[32] = {
      0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
      0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
      0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};
    static const uint8_t s11_public[32] = {
      0x7b, 0x4e, 0x90, 0x9b, 0xbe, 0x7f, 0xfe, 0x44, 0xc4, 0x65, 0xa2,
      0x20, 0x03, 0x7d, 0x60, 0x8e, 0xe3, 0x58, 0x97, 0xd3, 0x1e, 0xf9,
      0x72, 0xf0, 0x7f, 0x74, 0x89, 0x2c, 0xb0, 0xf7, 0x3f, 0x13};
    uint8_t s11_secret[32];
    memset (s11_secret, 0x11, sizeof s11_secret);
    const uint8_t *vectors[][2] = {{alice_secret, alice_public}, {s11_secret, s11_public}};
    for (int i = 0; i < 2; i++) {
        char z85_secret[41], z85_public[41];
        CHECK (zmq_z85_encode (z85_secret, vectors[i][0], 32));
        CHECK (zmq_z85_encode (z85_public, vectors[i][1], 32));
        CHECK (zmq_curve_public (derived, z85_secret) == 0);
        CHECK (strcmp (derived, z85_public) == 0);
    }

    /* bad secret keys */
    CHECK_ERRNO (zmq_curve_public (derived, ""), EINVAL);
    CHECK_ERRNO (zmq_curve_public (derived, "HelloWorl"), EINVAL); /* not 5k characters */
    /* As libzmq: a shorter Z85 text is decoded into the start of the key. */
    CHECK (zmq_curve_public (derived, "HelloWorld") == 0);
    CHECK (strlen (derived) == 40);
    char bad[41];
    strcpy (bad, secret_key);
    bad[17] = ' ';
    CHECK_ERRNO (zmq_curve_public (derived, bad), EINVAL);
    strcpy (bad, secret_key);
    memcpy (bad + 35, "#####", 5); /* above 0xffffffff */
    CHECK_ERRNO (zmq_curve_public (derived, bad), EINVAL);
    CHECK_ERRNO (zmq_curve_public (derived, NULL), EINVAL);
    CHECK_ERRNO (zmq_curve_public (NULL, secret_key), EINVAL);
    CHECK_ERRNO (zmq_curve_keypair (NULL, secret2), EINVAL);
}

static void test_against_libzmq (void)
{
    void *lib = dlmopen (LM_ID_NEWLM, "libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        lib = dlopen ("libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        SKIP ("libzmq.so.5 not available");
    has_fn real_has = (has_fn) dlsym (lib, "zmq_has");
    curve_keypair_fn real_keypair = (curve_keypair_fn) dlsym (lib, "zmq_curve_keypair");
    curve_public_fn real_public = (curve_public_fn) dlsym (lib, "zmq_curve_public");
    CHECK (real_has && real_keypair && real_public);
    /* make sure these are libzmq's, not ours */
    CHECK ((void *) real_public != (void *) zmq_curve_public);
    if (!real_has ("curve"))
        SKIP ("libzmq.so.5 was built without CURVE");

    for (int i = 0; i < 32; i++) {
        char public_key[41], secret_key[41], derived[41];

        /* a key pair made by us is accepted by libzmq */
        CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
        memset (derived, 0, sizeof derived);
        CHECK (real_public (derived, secret_key) == 0);
        CHECK (strcmp (derived, public_key) == 0);

        /* and one made by libzmq by us */
        memset (public_key, 0, sizeof public_key);
        memset (secret_key, 0, sizeof secret_key);
        CHECK (real_keypair (public_key, secret_key) == 0);
        CHECK (zmq_curve_public (derived, secret_key) == 0);
        CHECK (strcmp (derived, public_key) == 0);
    }
    dlclose (lib);
}

int main (void)
{
    test_ours ();
    test_against_libzmq ();
    return 0;
}
