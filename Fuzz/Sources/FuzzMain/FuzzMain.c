// SwiftPM links an executable with `main` renamed to `<module>_main` (so tests can link it);
// a fuzz target has no main of its own, so each one's is libFuzzer's driver, run on the target's
// LLVMFuzzerTestOneInput. Each fuzz executable defines exactly one LLVMFuzzerTestOneInput.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#define FUZZ_MAIN(name) \
    int name(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }

FUZZ_MAIN(fuzz_csv_main)
FUZZ_MAIN(fuzz_parse_main)
FUZZ_MAIN(fuzz_script_main)
FUZZ_MAIN(fuzz_values_main)
