// Objects kept per thread between calls (parsers, codec and hash contexts,
// buffers) that may be asked for after the thread's own were destroyed.
//
// At process exit the main thread's thread_local objects are destroyed before
// static ones: a DB held in a static closes after them and still writes (its
// last metrics sample, the caller's own last records). ThreadCache<T>::Get()
// returns nullptr from then on, and the caller makes a T of its own.

#ifndef SPIRAPI_UTIL_THREAD_CACHE_H_
#define SPIRAPI_UTIL_THREAD_CACHE_H_

namespace spirapi {

// T is default-constructible, and a type of the caller's own (one cache per
// use): two uses of a std::string each wrap it in a struct.
template <typename T>
class ThreadCache {
 public:
  static T* Get() {
    if (gone_) return nullptr;
    thread_local Holder holder;
    return &holder.value;
  }

  // This thread's T, or *own_at_exit once that is gone.
  static T* GetOr(T* own_at_exit) {
    T* cached = Get();
    return cached != nullptr ? cached : own_at_exit;
  }

 private:
  struct Holder {
    T value;
    ~Holder() { gone_ = true; }
  };
  // Trivially destructible: readable for as long as the thread runs.
  static thread_local bool gone_;
};

template <typename T>
thread_local bool ThreadCache<T>::gone_ = false;

// A C library's handle (a codec or digest context), made when first asked
// for and freed with its owner: a LazyHandle on the stack costs nothing until
// used, which suits ThreadCache::GetOr's fallback.
template <typename H, auto Make, auto Free>
class LazyHandle {
 public:
  LazyHandle() = default;
  LazyHandle(const LazyHandle&) = delete;
  LazyHandle& operator=(const LazyHandle&) = delete;
  ~LazyHandle() {
    if (handle_ != nullptr) Free(handle_);
  }

  // nullptr when the library is out of memory.
  H* Get() {
    if (handle_ == nullptr) handle_ = Make();
    return handle_;
  }

 private:
  H* handle_ = nullptr;
};

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_THREAD_CACHE_H_
