#pragma once

namespace revive {

// Sets the thread count of OpenMP loops and oneDNN (which runs on the same OpenMP runtime).
// n <= 0 keeps the runtime's default.
void set_num_threads(int n);
int num_threads();

}  // namespace revive
