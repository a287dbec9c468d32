// Makes a CURVE key pair and prints it in the form curve_server and curve_client
// read back:
//   public-key = <40 Z85 characters>
//   secret-key = <40 Z85 characters>
// Keep the secret key to yourself; the public one is what peers are told.
//   curve_keygen > server.key

#include <zmq.h>
#include <stdio.h>

int main (void)
{
    char public_key[41], secret_key[41];
    if (zmq_curve_keypair (public_key, secret_key) != 0) {
        fprintf (stderr, "curve_keygen: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    printf ("public-key = %s\nsecret-key = %s\n", public_key, secret_key);
    return 0;
}
