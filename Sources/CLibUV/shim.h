#ifndef SOUDAN_CLIBUV_SHIM_H
#define SOUDAN_CLIBUV_SHIM_H
#include <uv.h>
#endif
