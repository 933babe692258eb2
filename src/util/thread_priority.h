// Scheduling priority of background threads.

#ifndef SPIRAPI_UTIL_THREAD_PRIORITY_H_
#define SPIRAPI_UTIL_THREAD_PRIORITY_H_

namespace spirapi {

// Lowers the calling thread's CPU priority (Linux nice +10, at most 19) and
// its I/O priority (best effort, lowest level), so that it runs on what the
// other threads leave. Threads it starts afterwards inherit both. Best
// effort: failures are ignored.
void LowerThisThreadsPriority();

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_THREAD_PRIORITY_H_
