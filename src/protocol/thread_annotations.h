#pragma once
// Clang's thread-safety attributes, to say which mutex guards what and which
// functions need it held. The clang build with OTA_THREAD_SAFETY=ON checks them
// (-Wthread-safety); other compilers see nothing. Here, in the lowest layer,
// so that every layer can use them.
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html

#if defined(__clang__)
#define OTA_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define OTA_THREAD_ATTRIBUTE(x)
#endif

// A type that is a lock (Mutex).
#define CAPABILITY(x) OTA_THREAD_ATTRIBUTE(capability(x))
// A type whose objects hold a lock for their lifetime (MutexLock).
#define SCOPED_CAPABILITY OTA_THREAD_ATTRIBUTE(scoped_lockable)
// A member that is read or written only with the mutex held.
#define GUARDED_BY(x) OTA_THREAD_ATTRIBUTE(guarded_by(x))
// A pointer member whose pointee is read or written only with the mutex held.
#define PT_GUARDED_BY(x) OTA_THREAD_ATTRIBUTE(pt_guarded_by(x))
// A function called with the mutex held.
#define REQUIRES(...) OTA_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
// A function called without the mutex held (it takes it).
#define EXCLUDES(...) OTA_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
// A function that takes the mutex and returns with it held.
#define ACQUIRE(...) OTA_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
// A function that releases the mutex.
#define RELEASE(...) OTA_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
// A function that takes the mutex when it returns `result`.
#define TRY_ACQUIRE(...) OTA_THREAD_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
// Not checked: the reason must be said next to it.
#define NO_THREAD_SAFETY_ANALYSIS OTA_THREAD_ATTRIBUTE(no_thread_safety_analysis)
