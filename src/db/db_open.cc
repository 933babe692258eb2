// Opening a database: creating it, checking its settings, and recovering the
// index from segment footers and the journals not yet flushed.

#include <algorithm>

#include "codec/record_codec.h"
#include "db/db_impl.h"
#include "db/journal_replay.h"
#include "storage/filenames.h"
#include "storage/journal.h"
#include "storage/segment.h"
#include "util/prefetcher.h"

namespace spirapi {

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db) {
  db->reset();
  if (path.empty()) return Status::InvalidArgument("the database path is empty");
  auto impl = std::make_unique<DBImpl>(options, path);
  Status s = impl->OpenOrCreate();
  if (!s.ok()) return s;
  *db = std::move(impl);
  return Status::OK();
}

DBImpl::DBImpl(const Options& options, std::string path)
    : options_(options),
      path_(std::move(path)),
      fs_(options.file_system != nullptr ? options.file_system : FileSystem::Default()),
      cache_(options.block_cache_bytes, DefaultBlockCachePolicy()),
      metrics_(options.record_metrics) {}

namespace {

// True if every entry of the directory is one a half-created database has
// (creation writes the MANIFEST last).
bool OnlyLayoutEntries(FileSystem* fs, const std::string& path,
                       const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    bool layout = n == kLockName || n == kJournalDir || n == std::string(kManifestName) + ".tmp";
    for (Component c : kAllComponents) layout = layout || n == ComponentName(c);
    if (!layout) return false;
    if (n != kLockName && n.find('.') == std::string::npos) {
      std::vector<std::string> inner;
      if (fs->GetChildren(path + "/" + n, &inner).ok() && !inner.empty()) return false;
    }
  }
  return true;
}

// `goal`: the last OptimizeFor goal, if any, which may have changed the
// setting since creation: the message says so. `changed_by`: the DB method
// that can also change it since creation, if any (so "created with" could
// be untrue).
Status CheckSetting(const char* name, const std::optional<int>& wanted, int stored,
                    const std::string& goal = "", const char* changed_by = nullptr) {
  if (wanted.has_value() && *wanted != stored) {
    const bool as_created = goal.empty() && changed_by == nullptr;
    const std::string origin = as_created
                                   ? std::string("the database was created with ") + name + " "
                                   : std::string("the database's ") + name + " is ";
    std::string since;
    if (!goal.empty()) {
      since = ", as optimize_for left it (last goal: " + goal + ")";
    } else if (changed_by != nullptr) {
      since = std::string(" (stored; ") + changed_by + " changes it)";
    }
    return Status::InvalidArgument(origin + std::to_string(stored) + since + "; open it with " +
                                   std::to_string(stored) + " or leave the option unset");
  }
  return Status::OK();
}

// Checks the creation settings before anything is written, so that a bad
// option leaves no directory behind.
Status ValidateOptions(const Options& o) {
  if (o.max_versions_kept < 1) return Status::InvalidArgument("max_versions_kept must be at least 1");
  if (o.metrics_interval_seconds < 0 || o.metrics_interval_seconds > 86400) {
    return Status::InvalidArgument("metrics_interval_seconds must be 0..86400");
  }
  if (o.compression_level && (*o.compression_level < 0 || *o.compression_level > 9)) {
    return Status::InvalidArgument("compression_level must be 0..9");
  }
  if (o.max_file_size_mb && (*o.max_file_size_mb < 1 || *o.max_file_size_mb > 4096)) {
    return Status::InvalidArgument("max_file_size_mb must be 1..4096");
  }
  if (o.block_size_kib && (*o.block_size_kib < 4 || *o.block_size_kib > 4096)) {
    return Status::InvalidArgument("block_size_kib must be 4..4096");
  }
  if (o.backup_interval_hours &&
      (*o.backup_interval_hours < 1 || *o.backup_interval_hours > 8760)) {
    return Status::InvalidArgument("backup_interval_hours must be 1..8760");
  }
  if (o.encryption_enabled && o.passphrase.empty()) {
    return Status::InvalidArgument("encryption_enabled needs a passphrase");
  }
  if (o.background_threads < 0 || o.background_threads > 1024) {
    return Status::InvalidArgument("background_threads must be 0..1024 (0: one per core)");
  }
  if (o.compaction_garbage_ratio <= 0 || o.compaction_garbage_ratio > 1) {
    return Status::InvalidArgument("compaction_garbage_ratio must be in (0, 1]");
  }
  if (o.read_only && o.error_if_exists) {
    return Status::InvalidArgument("read_only and error_if_exists exclude each other");
  }
  if (o.archive_journals && o.backup_repository.empty()) {
    return Status::InvalidArgument("archive_journals needs a backup_repository");
  }
  if (o.read_only && (!o.backup_repository.empty() || o.archive_journals)) {
    return Status::InvalidArgument(
        "a read-only instance takes no automatic backups and archives no journals (it may "
        "still call DB::Backup)");
  }
  return Status::OK();
}

}  // namespace

Status DBImpl::OpenOrCreate() {
  // Reads of the open itself (index definitions) are not the application's.
  MetricsRecorder::Pause pause;
  Status valid = ValidateOptions(options_);
  if (!valid.ok()) return valid;
  if (options_.read_only) return OpenReadOnly();
  bool exists = fs_->FileExists(path_);
  bool has_manifest = exists && fs_->FileExists(Path(kManifestName));
  if (!has_manifest) {
    std::vector<std::string> names;
    if (exists) {
      Status s = fs_->GetChildren(path_, &names);
      if (!s.ok()) return s;
    }
    bool empty_or_partial = !exists || OnlyLayoutEntries(fs_, path_, names);
    if (!empty_or_partial) {
      return Status::InvalidArgument(path_ + " exists and is not a SpiraPi database");
    }
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(path_ + " is not a SpiraPi database (no MANIFEST)");
    }
    Status s = fs_->CreateDir(path_);
    if (!s.ok()) return s;
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(path_ + " already holds a SpiraPi database");
  }
  Status s = fs_->LockFile(Path(kLockName), &lock_);
  if (!s.ok()) return s;
  s = has_manifest ? Recover() : Create();
  if (s.ok()) s = LoadIndexCatalog();
  if (!s.ok()) return s;
  if (!options_.backup_repository.empty()) {
    backup_thread_ = std::thread([this] { BackupLoop(); });
  }
  StartMetricsHistory();
  if (options_.background_work) {
    bg_thread_ = std::thread([this] { BackgroundLoop(); });
    {
      std::lock_guard<std::mutex> l(mu_);
      MaybeScheduleWork();
    }
    ResumeIndexBuilds();
  }
  StartCacheWarming();
  return Status::OK();
}

Status DBImpl::Create() {
  Manifest m;
  m.codec = options_.compression_codec.value_or(CompressionCodec::kZstd);
  m.compression_level = options_.compression_level.value_or(3);
  m.max_file_size_mb = options_.max_file_size_mb.value_or(64);
  // zstd's dictionaries keep small blocks small; LZMA needs large ones.
  const int block_kib = m.codec == CompressionCodec::kZstd ? 4 : 64;
  m.block_size = static_cast<uint32_t>(options_.block_size_kib.value_or(block_kib)) << 10;
  m.backup_interval_hours = options_.backup_interval_hours.value_or(24);
  if (options_.encryption_enabled) {
    Status s = RandomBytes(16, &m.kdf.salt);
    if (s.ok()) s = Cipher::Create(options_.passphrase, m.kdf, &cipher_);
    if (s.ok()) s = cipher_.Seal(kKeyCheckText, &m.key_check);
    if (!s.ok()) return s;
    m.encrypted = true;
  } else if (!options_.passphrase.empty()) {
    return Status::InvalidArgument("a passphrase was given but encryption_enabled is false");
  }
  Status s = fs_->CreateDir(Path(kJournalDir));
  for (Component c : kAllComponents) {
    if (s.ok()) s = fs_->CreateDir(Path(ComponentName(c)));
  }
  if (s.ok()) s = fs_->SyncDir(path_);
  if (!s.ok()) return s;
  m.next_file_number = 1;
  m.has_change_floors = true;
  s = NewDatabaseId(&m.database_id);
  if (s.ok()) s = WriteManifest(fs_, path_, m);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(mu_);
  manifest_ = m;
  ApplyStoredGoal();
  next_file_number_ = m.next_file_number;
  return NewJournal();
}

Status DBImpl::CheckSettings() {
  const Manifest& m = manifest_;
  if (options_.compression_codec && *options_.compression_codec != m.codec) {
    const char* stored = CompressionCodecName(m.codec);
    return Status::InvalidArgument(std::string("the database has compression_codec ") + stored +
                                   "; open it with " + stored +
                                   " or leave the option unset (DB::OptimizeFor and "
                                   "DB::SetCompression change it)");
  }
  const std::string& goal = m.optimized_for;
  Status s = CheckSetting("compression_level", options_.compression_level, m.compression_level,
                          goal, "DB::SetCompression");
  if (s.ok()) s = CheckSetting("max_file_size_mb", options_.max_file_size_mb, m.max_file_size_mb);
  if (s.ok()) {
    s = CheckSetting("block_size_kib", options_.block_size_kib,
                     static_cast<int>(m.block_size >> 10), goal);
  }
  if (s.ok()) {
    s = CheckSetting("backup_interval_hours", options_.backup_interval_hours,
                     m.backup_interval_hours);
  }
  if (!s.ok()) return s;
  if (m.encrypted) {
    if (options_.passphrase.empty()) {
      return Status::InvalidArgument("the database is encrypted: a passphrase is required");
    }
    // CatchUp hands a read-only instance's key to the instance it loads:
    // deriving it again would cost a scrypt run per CatchUp.
    if (!cipher_.enabled()) s = Cipher::Create(options_.passphrase, m.kdf, &cipher_);
    if (!s.ok()) return s;
    std::string check;
    if (!cipher_.Open(m.key_check, &check).ok() || check != kKeyCheckText) {
      return Status::InvalidArgument("wrong passphrase for this database");
    }
  } else if (options_.encryption_enabled) {
    return Status::InvalidArgument("the database is not encrypted (created without encryption)");
  }
  return Status::OK();
}

Status DBImpl::Recover() {
  std::lock_guard<std::mutex> l(mu_);
  Status s = ReadManifest(fs_, path_, &manifest_);
  if (!s.ok()) return s;
  s = CheckSettings();
  if (!s.ok()) return s;
  ApplyStoredGoal();
  // An older database is upgraded below, before any frame of the current
  // format is appended (an older reader would take it for a torn tail).
  // A database made before ids existed gets one (backup repositories use it).
  const bool manifest_outdated =
      manifest_.format_version < kFormatVersion || manifest_.database_id.empty();
  manifest_.format_version = kFormatVersion;
  if (manifest_.database_id.empty() && !options_.read_only) {
    s = NewDatabaseId(&manifest_.database_id);
    if (!s.ok()) return s;
  }
  next_file_number_ = manifest_.next_file_number;
  last_seq_ = manifest_.last_sequence;
  s = RemoveOrphans();
  if (!s.ok()) return s;
  std::vector<RecoveryFile> segments;
  s = InstallSegments(&segments);
  if (!s.ok()) return s;
  std::vector<RecoveryFile> journals;
  s = InstallJournals(&journals);
  if (!s.ok()) return s;

  // Segment footers and journals are read and decoded on threads of their
  // own, a bounded number of files ahead, while this thread builds the index
  // in bulk (ids are sorted into the id order once, at the end).
  for (ComponentIndex& idx : index_) idx.StartBulkLoad();
  Prefetcher<FooterRead> footers(
      segments.size(),
      [&](size_t i, FooterRead* out) {
        out->status = ReadSegmentFooter(*segments[i].file->file, segments[i].size, cipher(),
                                        &out->entries);
      },
      /*ahead=*/2);
  Prefetcher<JournalReplay> replays(
      journals.size(),
      [&](size_t i, JournalReplay* out) {
        JournalScanOptions options;
        options.is_last = i + 1 == journals.size();
        ScanJournalFile(*journals[i].file->file, journals[i].file->number, journals[i].size,
                        cipher(), options, out);
      },
      /*ahead=*/1);
  for (const RecoveryFile& segment : segments) {
    std::unique_ptr<FooterRead> footer = footers.Next();
    s = LoadSegment(segment, footer.get());
    if (!s.ok()) return s;
    footers.Recycle(std::move(footer));
  }
  uint64_t journal_bytes = 0;
  for (const RecoveryFile& j : journals) journal_bytes += j.size;
  JournalTail unkept_tail;  // read-only: a crash's tail not yet kept aside
  for (size_t i = 0; i < journals.size(); ++i) {
    std::unique_ptr<JournalReplay> replay = replays.Next();
    if (i == 0) ReserveForJournals(*replay, journal_bytes);
    s = ApplyJournal(*replay);
    if (s.ok() && options_.read_only && i + 1 == journals.size()) {
      // A live writer may be appending to it: bytes after the last frame
      // that checks are then a commit not yet visible, neither damage nor to
      // be cut off. With no writer they are the tail of a crash: reported,
      // and kept aside by the next open for writing.
      journal_number_ = static_cast<uint32_t>(replay->number);
      journal_size_ = replay->tail_offset;
      bool writer_live = true;
      if (replay->tail_length > 0) s = fs_->IsLockHeld(Path(kLockName), &writer_live);
      if (s.ok() && !writer_live) {
        unkept_tail = {"", JournalRelPath(replay->number), replay->tail_offset,
                       replay->tail_length};
      }
    } else if (s.ok() && replay->tail_length > 0) {
      s = KeepTailAside(*replay);
    }
    if (!s.ok()) return s;
    journal_ends_with_close_ = replay->ends_with_close;
    replays.Recycle(std::move(replay));
  }
  // A damaged frame's sequence number may itself be damaged: never let it
  // exceed what intact data shows, or later commits would conflict forever.
  for (auto& [c, id, v] : damaged_versions_) {
    v.seq = std::min(v.seq, last_seq_);
    ComponentIndex& idx = index(c);
    std::unique_lock<std::shared_mutex> il(idx.mu);
    idx.Add(id, v, options_.max_versions_kept);
  }
  damaged_versions_.clear();
  for (ComponentIndex& idx : index_) {
    std::unique_lock<std::shared_mutex> il(idx.mu);
    idx.FinishBulkLoad();
  }
  visible_seq_.store(last_seq_, std::memory_order_release);
  for (Component c : kAllComponents) {
    const int i = static_cast<int>(c);
    // Without floors (an older MANIFEST) nothing tells what compactions
    // dropped: assume every component changed at the last commit.
    uint64_t floor = manifest_.has_change_floors ? manifest_.change_floors[i] : last_seq_;
    std::shared_lock<std::shared_mutex> il(index(c).mu);
    change_seq_[i].store(std::max(floor, std::min(index(c).max_seq(), last_seq_)),
                         std::memory_order_release);
  }
  s = FindJournalTails();
  if (!s.ok()) return s;
  if (unkept_tail.length > 0) journal_tails_.push_back(unkept_tail);
  if (options_.read_only) {
    // ApplyJournal noted the last journal's visible end as journal_size_.
    for (size_t i = 0; i + 1 < journals.size(); ++i) {
      sealed_journals_.push_back(journals[i].file->number);
    }
    return Status::OK();
  }
  if (manifest_outdated) {
    s = InstallManifest(manifest_);
    if (!s.ok()) return s;
  }
  // Keep appending to the last journal unless it is full; older ones are
  // flushed to segments in the background.
  uint64_t size = 0;
  if (!journals.empty() &&
      fs_->GetFileSize(Path(journals.back().file->rel_path), &size).ok() &&
      size < static_cast<uint64_t>(manifest_.max_file_size_mb) << 20) {
    for (size_t i = 0; i + 1 < journals.size(); ++i) {
      sealed_journals_.push_back(journals[i].file->number);
    }
    return OpenActiveJournal(journals.back().file->number, /*append=*/true);
  }
  for (const RecoveryFile& j : journals) sealed_journals_.push_back(j.file->number);
  journal_ends_with_close_ = false;
  return NewJournal();
}

Status DBImpl::RemoveOrphans() {
  // Segments not in the manifest were written by a flush or compaction that
  // did not finish; journals below the floor were flushed already. A
  // read-only instance leaves them alone (they may be the live writer's flush
  // or compaction in progress) but checks the layout all the same.
  const bool remove = !options_.read_only;
  std::vector<std::string> names;
  // A folder of the layout that is gone was removed by hand: damage, not a
  // missing database.
  auto missing_folder = [](const std::string& name, const Status& s) {
    return s.IsNotFound() ? Status::Corruption("the folder " + name + "/ is missing") : s;
  };
  for (Component c : kAllComponents) {
    std::string dir = Path(ComponentName(c));
    Status s = fs_->GetChildren(dir, &names);
    if (!s.ok()) return missing_folder(ComponentName(c), s);
    const auto& live = manifest_.segments[static_cast<int>(c)];
    for (const std::string& n : names) {
      uint64_t number;
      if (!ParseNumberedName(n, "seg", &number)) continue;
      next_file_number_ = std::max(next_file_number_, number + 1);
      bool is_live = std::any_of(live.begin(), live.end(),
                                 [&](const SegmentMeta& m) { return m.file_number == number; });
      if (!is_live && remove) fs_->RemoveFile(dir + "/" + n);
    }
  }
  Status s = fs_->GetChildren(Path(kJournalDir), &names);
  if (!s.ok()) return missing_folder(kJournalDir, s);
  for (const std::string& n : names) {
    uint64_t number;
    if (ParseNumberedName(n, "log", &number) && number < manifest_.journal_floor && remove) {
      // Flushed, but perhaps not archived yet: the backup thread decides.
      if (options_.archive_journals) {
        archive_pending_ = true;
      } else {
        fs_->RemoveFile(Path(kJournalDir) + "/" + n);
      }
    }
  }
  if (remove) fs_->RemoveFile(Path(std::string(kManifestName) + ".tmp"));
  return Status::OK();
}

Status DBImpl::InstallFile(uint32_t number, bool is_journal, Component c, const std::string& rel) {
  auto f = std::make_shared<DataFile>();
  f->number = number;
  f->is_journal = is_journal;
  f->component = c;
  f->rel_path = rel;
  Status s = fs_->NewRandomAccessFile(Path(rel), &f->file);
  if (!s.ok()) return s;
  if (!is_journal) {
    uint64_t size = 0;
    s = fs_->GetFileSize(Path(rel), &size);
    if (s.ok()) s = ReadSegmentDictionary(*f->file, size, cipher(), &f->dictionary);
    // A damaged dictionary is reported by every read that needs it, and by
    // verify, which finds the damaged block; the file's other blocks stay
    // readable.
    if (!s.ok() && !s.IsCorruption()) return s;
  }
  std::unique_lock<std::shared_mutex> l(files_mu_);
  files_[number] = std::move(f);
  return Status::OK();
}

Status DBImpl::InstallSegments(std::vector<RecoveryFile>* segments) {
  for (Component c : kAllComponents) {
    // Size the index once for all segments: their trailers hold the counts.
    uint64_t records = 0;
    for (const SegmentMeta& meta : manifest_.segments[static_cast<int>(c)]) {
      auto number = static_cast<uint32_t>(meta.file_number);
      std::string rel = SegmentRelPath(c, meta.file_number);
      if (!fs_->FileExists(Path(rel))) {
        return Status::Corruption("segment " + rel + " listed in the MANIFEST is missing");
      }
      uint64_t size = 0;
      Status s = fs_->GetFileSize(Path(rel), &size);
      if (s.ok()) s = InstallFile(number, false, c, rel);
      if (!s.ok()) return s;
      segments->push_back({c, FindFile(number), size});
      SegmentTrailer trailer;
      // A damaged trailer is reported by LoadSegment.
      if (ReadSegmentTrailer(*segments->back().file->file, size, &trailer).ok()) {
        records += trailer.entry_count;
      }
    }
    ComponentIndex& idx = index(c);
    std::unique_lock<std::shared_mutex> l(idx.mu);
    idx.Reserve(records);
  }
  return Status::OK();
}

Status DBImpl::InstallJournals(std::vector<RecoveryFile>* journals) {
  std::vector<std::string> names;
  Status s = fs_->GetChildren(Path(kJournalDir), &names);
  if (!s.ok()) return s;
  std::vector<uint64_t> numbers;
  for (const std::string& n : names) {
    uint64_t number;
    if (ParseNumberedName(n, "log", &number)) numbers.push_back(number);
  }
  if (options_.read_only) {
    // Journals below the floor are flushed already; a writer removes them at
    // open, a read-only instance must not read them twice.
    std::erase_if(numbers, [&](uint64_t n) { return n < manifest_.journal_floor; });
  }
  std::sort(numbers.begin(), numbers.end());
  for (uint64_t number : numbers) {
    std::string rel = JournalRelPath(number);
    uint64_t size = 0;
    s = fs_->GetFileSize(Path(rel), &size);
    if (s.ok()) s = InstallFile(static_cast<uint32_t>(number), true, Component::kSequence, rel);
    if (!s.ok()) return s;
    journals->push_back({Component::kSequence, FindFile(static_cast<uint32_t>(number)), size});
    next_file_number_ = std::max(next_file_number_, number + 1);
  }
  return Status::OK();
}

Status DBImpl::LoadSegment(const RecoveryFile& segment, FooterRead* footer) {
  const Component c = segment.component;
  const uint32_t number = segment.file->number;
  const std::string& rel = segment.file->rel_path;
  std::vector<SegmentEntry>& entries = footer->entries;
  Status s = footer->status;
  if (!s.ok()) {
    if (!s.IsCorruption()) return s;
    // The footer is damaged: rebuild the entries from the blocks themselves.
    recovery_damage_.push_back({rel, segment.size, ComponentName(c), "", s.message()});
    std::string contents;
    s = segment.file->file->Read(0, segment.size, &contents);
    if (!s.ok()) return s;
    ScanSegmentBlocks(contents, cipher(), &entries, [&](uint64_t off, uint64_t, const Status& bad) {
      recovery_damage_.push_back({rel, off, ComponentName(c), "", bad.message()});
    });
  }
  ComponentIndex& idx = index(c);
  std::unique_lock<std::shared_mutex> l(idx.mu);
  idx.Reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 8 < entries.size()) idx.Prefetch(entries[i + 8].id);
    const SegmentEntry& e = entries[i];
    VersionRef v;
    v.seq = e.seq;
    v.version = e.version;
    v.flags = e.flags & kVersionTombstone;
    v.loc = {number, e.block_length, e.block_offset, e.inner_offset, e.inner_length};
    last_seq_ = std::max(last_seq_, e.seq);
    idx.Add(e.id, v, options_.max_versions_kept);
  }
  return Status::OK();
}

void DBImpl::ReserveForJournals(const JournalReplay& first, uint64_t journal_bytes) {
  // Every rehash of a table of a million ids touches every entry, so size the
  // tables once, assuming all journals hold ids like the first one does.
  if (first.contents.empty()) return;
  const double scale = static_cast<double>(journal_bytes) / first.contents.size();
  for (Component c : kAllComponents) {
    auto n = std::count_if(first.versions.begin(), first.versions.end(),
                           [c](const JournalReplay::Version& v) { return v.component == c; });
    ComponentIndex& idx = index(c);
    std::unique_lock<std::shared_mutex> l(idx.mu);
    idx.Reserve(static_cast<size_t>(n * scale));
  }
}

Status DBImpl::ApplyJournal(const JournalReplay& replay) {
  if (!replay.status.ok()) return replay.status;
  std::string rel = JournalRelPath(replay.number);
  for (const Damage& d : replay.damage) {
    recovery_damage_.push_back({rel, d.offset, d.component, d.id, d.what});
  }
  // Group by component so that each index lock is taken once.
  for (Component c : kAllComponents) {
    ComponentIndex& idx = index(c);
    std::unique_lock<std::shared_mutex> l(idx.mu);
    // Two-stage prefetch, for this component's ids only (one pass per
    // component): the id bytes far ahead, the hash slots of an id whose bytes
    // are (by then) in cache nearer ahead.
    const std::vector<JournalReplay::Version>& versions = replay.versions;
    auto ours = [&](size_t i) { return i < versions.size() && versions[i].component == c; };
    for (size_t i = 0; i < versions.size(); ++i) {
      if (ours(i + 16)) __builtin_prefetch(versions[i + 16].id.data());
      if (ours(i + 8)) idx.Prefetch(versions[i + 8].id);
      const JournalReplay::Version& v = versions[i];
      if (v.component != c) continue;
      if (v.ref.corrupt()) {
        damaged_versions_.push_back({c, std::string(v.id), v.ref});
      } else {
        idx.Add(v.id, v.ref, options_.max_versions_kept);
      }
    }
  }
  last_seq_ = std::max(last_seq_, replay.last_seq);
  return Status::OK();
}

Status DBImpl::KeepTailAside(const JournalReplay& replay) {
  // The bytes go to a file of their own before the journal is cut, so that
  // a crash in between leaves them in one place or both, never in none.
  const std::string rel = JournalTailRelPath(replay.number, replay.tail_offset);
  std::unique_ptr<WritableFile> file;
  Status s = fs_->NewWritableFile(Path(rel), &file);
  if (s.ok()) {
    s = file->Append(std::string_view(replay.contents).substr(replay.tail_offset));
  }
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs_->SyncDir(Path(kJournalDir));
  if (s.ok()) s = fs_->TruncateFile(Path(JournalRelPath(replay.number)), replay.tail_offset);
  return s;
}

Status DBImpl::FindJournalTails() {
  std::vector<std::string> names;
  Status s = fs_->GetChildren(Path(kJournalDir), &names);
  if (!s.ok()) return s;
  std::sort(names.begin(), names.end());
  journal_tails_.clear();
  for (const std::string& name : names) {
    JournalTail t;
    uint64_t number;
    if (!ParseJournalTailName(name, &number, &t.offset)) continue;
    t.file = std::string(kJournalDir) + "/" + name;
    t.journal = JournalRelPath(number);
    s = fs_->GetFileSize(Path(t.file), &t.length);
    if (!s.ok()) return s;
    journal_tails_.push_back(std::move(t));
  }
  return Status::OK();
}

Status DBImpl::OpenActiveJournal(uint64_t number, bool append) {
  std::string rel = JournalRelPath(number);
  Status s = append ? fs_->NewAppendableFile(Path(rel), &journal_)
                    : fs_->NewWritableFile(Path(rel), &journal_);
  if (!s.ok()) return s;
  journal_number_ = static_cast<uint32_t>(number);
  journal_size_ = 0;
  if (append) {
    s = fs_->GetFileSize(Path(rel), &journal_size_);
    // What recovery read is durable from here on (it may have been in the
    // page cache only), so later frames can say so in durable_end.
    if (s.ok()) s = journal_->Sync();
    if (!s.ok()) return s;
  }
  journal_synced_size_ = journal_size_;
  if (FindFile(journal_number_) == nullptr) {
    s = InstallFile(journal_number_, true, Component::kSequence, rel);
  }
  return s;
}

Status DBImpl::NewJournal() {
  uint64_t number = next_file_number_++;
  Status s = OpenActiveJournal(number, /*append=*/false);
  // The new file must survive a crash before commits in it are acknowledged.
  if (s.ok()) s = fs_->SyncDir(Path(kJournalDir));
  return s;
}

}  // namespace spirapi
