#ifndef SOUDAN_FUZZ_H
#define SOUDAN_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program that keeps its own `main` (the fuzz target
/// under SwiftPM, which names the entry point itself). Defined only when
/// libFuzzer is linked in (scripts/fuzz); referenced only then.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
