// CIFAR-10 binary files (data/cifar.h): the whole input is one batch file.
#include "data/cifar.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  revive::fuzz::accept_or_reject([&] {
    const revive::Dataset d = revive::parse_cifar_batch(revive::fuzz::bytes_of(data, size), "fuzz.bin",
                                                        revive::CifarVariant::k10);
    revive::fuzz::require(d.size() > 0 && d.num_classes() == 10, "records with 10 classes");
    revive::fuzz::require(d.images().size() == static_cast<size_t>(d.size()) * 3072, "3072 bytes per image");
  });
  return 0;
}
