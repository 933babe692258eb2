// Runs independent tasks on a few threads and waits for them all.

#ifndef SPIRAPI_UTIL_PARALLEL_FOR_H_
#define SPIRAPI_UTIL_PARALLEL_FOR_H_

#include <cstddef>
#include <functional>

namespace spirapi {

// The number of threads Options::background_threads asks for: itself if
// positive, else std::thread::hardware_concurrency() (at least 1).
int BackgroundThreads(int option);

// Calls task(0) .. task(n - 1), each once, on up to `threads` threads (the
// calling thread is one of them), handing the indexes out in increasing order,
// and returns when every call has returned. A call that returns false makes
// the threads take no more indexes (one another thread took already still
// runs). Threads are
// started for the call and joined before it returns (the work it is for,
// verify and compaction, takes far longer than starting a thread); if one
// cannot be started, the others do its share. `task` must be safe to call
// from several threads at once.
void ParallelFor(size_t n, int threads, const std::function<bool(size_t)>& task);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_PARALLEL_FOR_H_
