#include "store/fault_vfs.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace kirchhoff::store {

namespace {

// Undo records are kept per block: SQLite writes whole pages (and WAL
// frames), so a block is usually recorded once per sync.
constexpr std::int64_t kBlock = 512;

struct FileState {
  std::int64_t synced_size = 0;
  std::map<std::int64_t, std::string> undo;  // block index → contents at the last sync
};

}  // namespace

struct FaultVfs::Impl {
  std::string name;
  bool pass_syncs = true;
  sqlite3_vfs vfs{};
  sqlite3_vfs* real = nullptr;
  mutable std::mutex mutex;
  std::map<std::string, FileState> files;
  std::set<std::string> databases;  // main databases, whose -shm a cut deletes
  bool cut = false;
  std::int64_t cut_countdown = -1;
  std::int64_t fail_budget = -1;
  int fail_code = SQLITE_FULL;
  std::int64_t bytes_written = 0;
  std::int64_t writes = 0;
  std::int64_t syncs = 0;

  // Reverts every file to its last-synced contents; the caller holds mutex.
  void revert() {
    for (const auto& [path, state] : files) {
      const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      for (const auto& [block, old] : state.undo) {
        (void)!::pwrite(fd, old.data(), old.size(), static_cast<off_t>(block * kBlock));
      }
      (void)!::ftruncate(fd, static_cast<off_t>(state.synced_size));
      ::close(fd);
    }
    for (const std::string& db : databases) {
      ::unlink((db + "-shm").c_str());
    }
    files.clear();
    cut = true;
    cut_countdown = -1;
  }
};

namespace {

using Impl = FaultVfs::Impl;

struct FaultFile {
  sqlite3_file base;
  Impl* impl;
  const char* path;  // valid until xClose (SQLite's promise); nullptr for temp files
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

// The state of a file, created at its first change since the last sync (its
// size then counts as synced). Caller holds the mutex.
FileState& state_of(FaultFile* f) {
  auto [it, created] = f->impl->files.try_emplace(f->path);
  if (created) {
    sqlite3_int64 size = 0;
    if (f->real->pMethods->xFileSize(f->real, &size) == SQLITE_OK) {
      it->second.synced_size = size;
    }
  }
  return it->second;
}

// Keeps the synced contents of every block in [offset, offset + length)
// before it changes for the first time.
void remember(FaultFile* f, std::int64_t offset, std::int64_t length) {
  if (f->path == nullptr) {
    return;
  }
  FileState& state = state_of(f);
  const std::int64_t end = std::min(offset + length, state.synced_size);
  for (std::int64_t block = offset / kBlock; block * kBlock < end; ++block) {
    if (state.undo.contains(block)) {
      continue;
    }
    const std::int64_t start = block * kBlock;
    std::string old(static_cast<std::size_t>(std::min(kBlock, state.synced_size - start)), '\0');
    // A short read fills with zeros, which is what the file holds there.
    (void)f->real->pMethods->xRead(f->real, old.data(), static_cast<int>(old.size()), start);
    state.undo.emplace(block, std::move(old));
  }
}

int x_close(sqlite3_file* f) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  return file->real->pMethods->xClose(file->real);
}

int x_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), buffer, amount, offset);
}

int x_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  Impl& impl = *file->impl;
  const std::lock_guard lock(impl.mutex);
  if (impl.cut_countdown > 0 && --impl.cut_countdown == 0) {
    impl.revert();
  }
  if (impl.cut) {
    return SQLITE_OK;
  }
  if (impl.fail_budget >= 0) {
    if (amount > impl.fail_budget) {
      impl.fail_budget = 0;
      return impl.fail_code;
    }
    impl.fail_budget -= amount;
  }
  remember(file, offset, amount);
  const int rc = file->real->pMethods->xWrite(file->real, buffer, amount, offset);
  if (rc == SQLITE_OK) {
    impl.bytes_written += amount;
    ++impl.writes;
  }
  return rc;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  const std::lock_guard lock(file->impl->mutex);
  if (file->impl->cut) {
    return SQLITE_OK;
  }
  if (file->path != nullptr) {
    const std::int64_t synced = state_of(file).synced_size;
    if (size < synced) {
      remember(file, size, synced - size);
    }
  }
  return file->real->pMethods->xTruncate(file->real, size);
}

int x_sync(sqlite3_file* f, int flags) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  Impl& impl = *file->impl;
  const std::lock_guard lock(impl.mutex);
  if (impl.cut) {
    return SQLITE_OK;
  }
  if (impl.pass_syncs) {
    if (const int rc = file->real->pMethods->xSync(file->real, flags); rc != SQLITE_OK) {
      return rc;
    }
  }
  ++impl.syncs;
  if (file->path != nullptr) {
    FileState& state = state_of(file);
    sqlite3_int64 size = 0;
    if (file->real->pMethods->xFileSize(file->real, &size) == SQLITE_OK) {
      state.synced_size = size;
    }
    state.undo.clear();
  }
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

// Version 2: shared memory (WAL) but no memory-mapped reads.
constexpr sqlite3_io_methods kMethods = {2,
                                         x_close,
                                         x_read,
                                         x_write,
                                         x_truncate,
                                         x_sync,
                                         x_file_size,
                                         x_lock,
                                         x_unlock,
                                         x_check_reserved_lock,
                                         x_file_control,
                                         x_sector_size,
                                         x_device_characteristics,
                                         x_shm_map,
                                         x_shm_lock,
                                         x_shm_barrier,
                                         x_shm_unmap,
                                         nullptr,
                                         nullptr};

Impl& impl_of(sqlite3_vfs* vfs) { return *static_cast<Impl*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  Impl& impl = impl_of(vfs);
  auto* file = reinterpret_cast<FaultFile*>(f);
  file->base.pMethods = nullptr;
  file->impl = &impl;
  file->path = name;
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(FaultFile));
  const int rc = impl.real->xOpen(impl.real, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK || file->real->pMethods == nullptr) {
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if (name != nullptr && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    const std::lock_guard lock(impl.mutex);
    impl.databases.insert(name);
  }
  file->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  Impl& impl = impl_of(vfs);
  {
    const std::lock_guard lock(impl.mutex);
    if (impl.cut) {
      return SQLITE_OK;
    }
    impl.files.erase(name);
  }
  return impl.real->xDelete(impl.real, name, sync_dir);
}

int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return impl_of(vfs).real->xAccess(impl_of(vfs).real, name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return impl_of(vfs).real->xFullPathname(impl_of(vfs).real, name, n, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return impl_of(vfs).real->xDlOpen(impl_of(vfs).real, name);
}
void x_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  impl_of(vfs).real->xDlError(impl_of(vfs).real, n, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return impl_of(vfs).real->xDlSym(impl_of(vfs).real, handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  impl_of(vfs).real->xDlClose(impl_of(vfs).real, handle);
}
int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
  return impl_of(vfs).real->xRandomness(impl_of(vfs).real, n, out);
}
int x_sleep(sqlite3_vfs* vfs, int us) { return impl_of(vfs).real->xSleep(impl_of(vfs).real, us); }
int x_current_time(sqlite3_vfs* vfs, double* out) {
  return impl_of(vfs).real->xCurrentTime(impl_of(vfs).real, out);
}
int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  return impl_of(vfs).real->xGetLastError(impl_of(vfs).real, n, out);
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return impl_of(vfs).real->xCurrentTimeInt64(impl_of(vfs).real, out);
}

}  // namespace

FaultVfs::FaultVfs(std::string name, bool pass_syncs) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->pass_syncs = pass_syncs;
  impl_->real = sqlite3_vfs_find("unix");
  if (impl_->real == nullptr) {
    throw std::runtime_error("FaultVfs: SQLite has no \"unix\" VFS to wrap");
  }
  sqlite3_vfs& v = impl_->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(FaultFile)) + impl_->real->szOsFile;
  v.mxPathname = impl_->real->mxPathname;
  v.zName = impl_->name.c_str();
  v.pAppData = impl_.get();
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) {
    throw std::runtime_error("FaultVfs: cannot register VFS " + impl_->name);
  }
}

FaultVfs::~FaultVfs() { sqlite3_vfs_unregister(&impl_->vfs); }

const char* FaultVfs::name() const { return impl_->name.c_str(); }

void FaultVfs::power_cut() {
  const std::lock_guard lock(impl_->mutex);
  impl_->revert();
}

void FaultVfs::cut_after_writes(std::int64_t writes) {
  const std::lock_guard lock(impl_->mutex);
  impl_->cut_countdown = std::max<std::int64_t>(writes, 1);
}

bool FaultVfs::is_cut() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->cut;
}

void FaultVfs::power_on() {
  const std::lock_guard lock(impl_->mutex);
  impl_->cut = false;
  impl_->cut_countdown = -1;
  impl_->files.clear();
}

void FaultVfs::fail_writes_after(std::int64_t bytes, int sqlite_error) {
  const std::lock_guard lock(impl_->mutex);
  impl_->fail_budget = std::max<std::int64_t>(bytes, 0);
  impl_->fail_code = sqlite_error;
}

void FaultVfs::stop_failing() {
  const std::lock_guard lock(impl_->mutex);
  impl_->fail_budget = -1;
}

std::int64_t FaultVfs::bytes_written() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->bytes_written;
}

std::int64_t FaultVfs::writes() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->writes;
}

std::int64_t FaultVfs::syncs() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->syncs;
}

}  // namespace kirchhoff::store
