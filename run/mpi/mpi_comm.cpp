#include "run/mpi/mpi_comm.h"

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "core/error.h"

namespace revive::mpi {
namespace {

// Tags keep the exchanges apart: a gather's sizes and data, the ring's weights.
constexpr int kTagSize = 1, kTagData = 2, kTagRing = 3;

int byte_count(size_t n, const std::string& what) {
  REVIVE_CHECK(n <= static_cast<size_t>(INT_MAX),
               what << ": " << n << " bytes is more than one MPI message carries here (2 GiB)");
  return static_cast<int>(n);
}

}  // namespace

struct Comm::Pending {
  std::vector<MPI_Request> requests;
  std::vector<int> peers;
  void send(const void* data, size_t n, int dest, int tag, const std::string& what) {
    requests.emplace_back();
    peers.push_back(dest);
    MPI_Isend(data, byte_count(n, what), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &requests.back());
  }
  void receive(void* data, size_t n, int src, int tag, const std::string& what) {
    requests.emplace_back();
    peers.push_back(src);
    MPI_Irecv(data, byte_count(n, what), MPI_BYTE, src, tag, MPI_COMM_WORLD, &requests.back());
  }
};

Comm::Comm(double timeout_seconds) : timeout_(timeout_seconds) {
  REVIVE_CHECK(timeout_seconds > 0, "--mpi-timeout must be positive, got " << timeout_seconds);
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_free(&local);
}

Comm::~Comm() { MPI_Finalize(); }

void Comm::abort_job(const std::string& message, int code) const {
  std::fprintf(stderr, "revive: rank %d: %s\n", rank_, message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

void Comm::wait(Pending& p, const std::string& what) const {
  const auto t0 = std::chrono::steady_clock::now();
  const auto limit = std::chrono::duration<double>(timeout_);
  auto pause = std::chrono::microseconds(20);
  while (true) {
    int done = 0;
    MPI_Testall(static_cast<int>(p.requests.size()), p.requests.data(), &done, MPI_STATUSES_IGNORE);
    if (done) return;
    if (std::chrono::steady_clock::now() - t0 > limit) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));  // quick for a fast peer, idle for a slow one
  }
  for (size_t i = 0; i < p.requests.size(); ++i) {
    int done = 0;
    MPI_Test(&p.requests[i], &done, MPI_STATUS_IGNORE);
    if (done) continue;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", timeout_);
    abort_job("rank " + std::to_string(p.peers[i]) + " did not answer within " + seconds + " s (--mpi-timeout) " +
              what + ": it has died or hangs; ending the job. Its last checkpoint resumes it: mpirun -np " +
              std::to_string(size_) + " revive train --resume <run folder>");
  }
}

void Comm::exchange(const std::vector<char>& out, int dest, std::vector<char>& in, int src, const std::string& what) {
  Pending p;
  p.receive(in.data(), in.size(), src, kTagRing, what);
  p.send(out.data(), out.size(), dest, kTagRing, what);
  wait(p, what);
}

std::vector<std::vector<char>> Comm::gather(const std::vector<char>& mine, const std::string& what) {
  std::vector<std::vector<char>> all;
  if (rank_ != 0) {
    const uint64_t n = mine.size();
    Pending p;
    p.send(&n, sizeof n, 0, kTagSize, what);
    p.send(mine.data(), mine.size(), 0, kTagData, what);
    wait(p, what);
    return all;
  }
  std::vector<uint64_t> sizes(static_cast<size_t>(size_), 0);
  Pending sizes_in;
  for (int r = 1; r < size_; ++r) sizes_in.receive(&sizes[static_cast<size_t>(r)], sizeof(uint64_t), r, kTagSize, what);
  wait(sizes_in, what);
  all.resize(static_cast<size_t>(size_));
  all[0] = mine;
  Pending data_in;
  for (int r = 1; r < size_; ++r) {
    std::vector<char>& v = all[static_cast<size_t>(r)];
    v.resize(sizes[static_cast<size_t>(r)]);
    data_in.receive(v.data(), v.size(), r, kTagData, what);
  }
  wait(data_in, what);
  return all;
}

}  // namespace revive::mpi
