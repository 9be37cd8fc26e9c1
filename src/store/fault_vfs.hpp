// A SQLite VFS for tests that injects storage faults (docs/store-format.md,
// "Fault injection"), modelled on LevelDB's FaultInjectionTestEnv. It wraps
// the default "unix" VFS and delegates everything to it, shared memory
// included, while it remembers per file the size at the last xSync and the
// old contents of every block first overwritten or truncated away since.
//
//   power_cut()      puts every file back to its last-synced contents and
//                    deletes the -shm files; until power_on() writes,
//                    truncations and deletions are swallowed (reported as
//                    done), so closing a Store afterwards changes nothing.
//   cut_after_writes(n)   the power cut happens at the n-th write from now.
//   fail_writes_after(bytes, code)   once `bytes` more bytes are written,
//                    every write fails with `code` (SQLITE_FULL: disk full).
//
// Registered under its own name, never as the default; open a store with it
// through StoreOptions::vfs. The object must outlive every connection that
// uses it. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace kirchhoff::store {

class FaultVfs {
 public:
  // `pass_syncs` false: xSync does the bookkeeping but not the real fsync
  // (tests that only need the simulated power cut run faster).
  explicit FaultVfs(std::string name, bool pass_syncs = true);
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const char* name() const;

  void power_cut();
  void cut_after_writes(std::int64_t writes);
  bool is_cut() const;
  // Power back: writes reach the files again; their present contents count
  // as synced.
  void power_on();

  void fail_writes_after(std::int64_t bytes, int sqlite_error);
  void stop_failing();

  // Counters since construction: bytes passed to xWrite (swallowed and
  // failed writes excluded), xWrite and xSync calls.
  std::int64_t bytes_written() const;
  std::int64_t writes() const;
  std::int64_t syncs() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kirchhoff::store
