/* Stand-in for libzmq's src/stdint.hpp, which the test utilities include as
 * "../src/stdint.hpp": on Linux it only needs <stdint.h>.  */
#ifndef __ZMQ_STDINT_HPP_INCLUDED__
#define __ZMQ_STDINT_HPP_INCLUDED__
#include <stdint.h>
#endif
