/* zmq_z85_encode / zmq_z85_decode: the ZeroMQ RFC 32 vector, round trips, and the
 * inputs libzmq rejects with EINVAL. */
#include "testutil.h"

static const uint8_t spec_bytes[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};

static void test_spec_vector (void)
{
    char text[11];
    memset (text, 'x', sizeof text);
    errno = 0;
    CHECK (zmq_z85_encode (text, spec_bytes, 8) == text);
    CHECK (strcmp (text, "HelloWorld") == 0);
    CHECK_EQ_INT (0, errno); /* success leaves errno alone */

    uint8_t bytes[8] = {0};
    CHECK (zmq_z85_decode (bytes, "HelloWorld") == bytes);
    CHECK (memcmp (bytes, spec_bytes, 8) == 0);
    CHECK_EQ_INT (0, errno);
}

static void test_round_trips (void)
{
    uint8_t data[256], back[256];
    char text[321];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t) (i * 7 + 3);
    for (size_t n = 0; n <= 256; n += 4) {
        CHECK (zmq_z85_encode (text, data, n) == text);
        CHECK_EQ_INT (n / 4 * 5, strlen (text));
        if (n == 0)
            continue; /* libzmq refuses to decode the empty string */
        memset (back, 0, sizeof back);
        CHECK (zmq_z85_decode (back, text) == back);
        CHECK (memcmp (back, data, n) == 0);
    }

    const uint8_t max[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK (zmq_z85_encode (text, max, 4));
    CHECK (strcmp (text, "%nSc0") == 0);
    const uint8_t zero[4] = {0, 0, 0, 0};
    CHECK (zmq_z85_encode (text, zero, 4));
    CHECK (strcmp (text, "00000") == 0);

    const char *key = "r^/rM9M=rMToK)63O8dCvd9D<PY<7iGlC+{BiSnG";
    uint8_t raw[32];
    CHECK (zmq_z85_decode (raw, key));
    CHECK (zmq_z85_encode (text, raw, 32));
    CHECK (strcmp (text, key) == 0);
}

static void test_rejected (void)
{
    char text[64];
    uint8_t bytes[64];
    CHECK_ERRNO (zmq_z85_encode (text, spec_bytes, 1), EINVAL);
    CHECK_ERRNO (zmq_z85_encode (text, spec_bytes, 7), EINVAL);
    CHECK_ERRNO (zmq_z85_encode (NULL, NULL, 42), EINVAL);
    CHECK_ERRNO (zmq_z85_encode (NULL, spec_bytes, 8), EINVAL);
    CHECK_ERRNO (zmq_z85_encode (text, NULL, 8), EINVAL);

    CHECK_ERRNO (zmq_z85_decode (bytes, ""), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, "0"), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, "01234567"), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, "HelloWorld0"), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, NULL), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (NULL, "HelloWorld"), EINVAL);
    /* values above 0xffffffff */
    CHECK_ERRNO (zmq_z85_decode (bytes, "%nSc1"), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, "#####"), EINVAL);
    CHECK_ERRNO (zmq_z85_decode (bytes, "Hello%nSd0"), EINVAL);
    /* characters outside the alphabet, in every position of a group */
    const char bad[] = {' ', '"', '\'', ',', ';', '\\', '_', '`', '|', '~', 0x7f,
                        (char) 0x80, (char) 0xff, 0x01, 0x1f};
    for (size_t i = 0; i < sizeof bad; i++) {
        for (int pos = 0; pos < 5; pos++) {
            char s[11] = "HelloWorld";
            s[5 + pos] = bad[i];
            CHECK_ERRNO (zmq_z85_decode (bytes, s), EINVAL);
        }
    }
}

int main (void)
{
    test_spec_vector ();
    test_round_trips ();
    test_rejected ();
    return 0;
}
