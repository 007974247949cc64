// The few MPI operations a run of one network per rank needs, on MPI's C API, every one with a
// bounded wait: the requests are nonblocking (MPI_Isend / MPI_Irecv) and polled with MPI_Testall
// until they finish or `timeout_seconds` pass. A peer that does not answer in time has died or hangs:
// the rank prints which peer it waited for and what for, then ends the whole job with MPI_Abort, so
// a lost rank never leaves the others waiting for ever. (Open MPI's mpirun also ends the job as soon
// as one rank exits with a non-zero status; the timeout covers a rank that hangs or is stopped.)
//
// The timeout bounds how long one rank waits for another at an exchange: it must exceed the spread
// of the ranks' arrival times (their epoch times differ little, they train the same work), plus
// rank 0's checkpoint writing, not an epoch's length.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace revive::mpi {

class Comm {
 public:
  // Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI, OpenMP works inside).
  explicit Comm(double timeout_seconds);
  ~Comm();  // MPI_Finalize
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The rank among those on this machine (MPI_Comm_split_type, shared memory): picks the GPU.
  int local_rank() const { return local_rank_; }
  double timeout_seconds() const { return timeout_; }

  // Sends `out` to rank `dest` and receives exactly `in.size()` bytes from rank `src` (MPI_Isend and
  // MPI_Irecv, waited on together, so a ring of ranks never deadlocks). `what` names the exchange in
  // the error.
  void exchange(const std::vector<char>& out, int dest, std::vector<char>& in, int src, const std::string& what);
  // Every rank's `mine` at rank 0 (in rank order, its own first); an empty vector elsewhere.
  std::vector<std::vector<char>> gather(const std::vector<char>& mine, const std::string& what);

  // Prints "revive: rank <r>: <message>" on stderr and ends every rank of the job (MPI_Abort).
  [[noreturn]] void abort_job(const std::string& message, int code = 2) const;

 private:
  struct Pending;
  // Waits for the pending requests to finish, or aborts the job naming the first peer still silent.
  void wait(Pending& pending, const std::string& what) const;

  int rank_ = 0, size_ = 1, local_rank_ = 0;
  double timeout_ = 0;
};

}  // namespace revive::mpi
