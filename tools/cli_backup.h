// The `spirapi backup ...` and `spirapi restore` commands
// (include/spirapi/backup.h, docs/BACKUP.md). None of them opens the
// database: a backup reads its files beside the process that has it open,
// and needs no passphrase. Included by cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_BACKUP_H_
#define SPIRAPI_TOOLS_CLI_BACKUP_H_

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/backup.h"

namespace spirapi::cli {

inline std::atomic<bool> backup_interrupted{false};

class BackupCommands {
 public:
  using AddPassphraseFn = std::function<void(CLI::App*)>;
  using PassphraseFn = std::function<int(std::string*)>;

  void Add(CLI::App* app, const AddPassphraseFn& add_passphrase) {
    backup_ = app->add_subcommand(
        "backup",
        "Back up a database into a repository (incremental), or list, verify and "
        "prune a repository's backups");
    backup_->require_subcommand(0, 1);
    backup_->add_option("DB", db_path_, "Database directory (it may be open in another process)");
    backup_->add_option("REPOSITORY", repository_,
                        "Backup repository: a directory that holds many backups of one database");
    backup_->add_flag("--continuous", continuous_,
                      "Then keep copying each sealed journal to the repository, so that "
                      "restores can reach every commit, until interrupted");
    backup_
        ->add_option("--interval", interval_s_,
                     "With --continuous: look for sealed journals every N seconds (default 5)")
        ->check(CLI::Range(1, 86400));
    backup_->add_flag("--json", json_, "Print the backup as one JSON object");

    list_ = backup_->add_subcommand("list", "List the backups in a repository");
    list_->add_option("REPOSITORY", repository_, "Backup repository")->required();
    list_->add_flag("--json", json_, "One JSON object per backup");

    verify_ = backup_->add_subcommand(
        "verify", "Check every file and record of a repository's backups (exit 3 on damage)");
    verify_->add_option("REPOSITORY", repository_, "Backup repository")->required();
    verify_->add_option("--backup", backup_id_,
                        "Only this backup (default: all, and the "
                        "journal archive)");
    add_passphrase(verify_);

    prune_ = backup_->add_subcommand(
        "prune", "Delete the backups no rule keeps, and the files only they needed");
    prune_->add_option("REPOSITORY", repository_, "Backup repository")->required();
    prune_->add_option("--keep-last", prune_options_.keep_last, "Keep the newest N backups")
        ->check(CLI::NonNegativeNumber);
    prune_
        ->add_option("--keep-daily", prune_options_.keep_daily,
                     "Keep the newest backup of each of the last N days (UTC) that have one")
        ->check(CLI::NonNegativeNumber);
    prune_
        ->add_option("--keep-weekly", prune_options_.keep_weekly,
                     "Keep the newest backup of each of the last N ISO weeks that have one")
        ->check(CLI::NonNegativeNumber);
    prune_->add_flag("--dry-run", prune_options_.dry_run, "Only say what would be deleted");

    restore_ = app->add_subcommand(
        "restore", "Rebuild a database from a repository, at a backup or any archived commit");
    restore_->add_option("REPOSITORY", repository_, "Backup repository")->required();
    restore_->add_option("TARGET", target_, "New database directory (must not exist or be empty)")
        ->required();
    auto* id = restore_->add_option("--backup", backup_id_, "This backup (default: the newest)");
    auto* time = restore_->add_option(
        "--to-time", to_time_,
        "Every commit up to this time: ISO 8601 (2026-12-07T19:05:12.5Z, or with an offset) "
        "or epoch seconds");
    commit_opt_ =
        restore_->add_option("--to-commit", to_commit_, "Every commit up to this sequence number")
            ->transform(DecimalNumber());
    id->excludes(time)->excludes(commit_opt_);
    time->excludes(commit_opt_)->excludes(id);
    commit_opt_->excludes(id)->excludes(time);
    add_passphrase(restore_);
  }

  bool parsed() const { return backup_->parsed() || restore_->parsed(); }

  int Run(const PassphraseFn& passphrase) {
    if (restore_->parsed()) return Restore(passphrase);
    if (list_->parsed()) return List();
    if (verify_->parsed()) return Verify(passphrase);
    if (prune_->parsed()) return Prune();
    if (db_path_.empty() || repository_.empty()) {
      return Fail(kExitUsage, "backup: give DB and REPOSITORY (or list, verify or prune)");
    }
    if (int rc = TakeBackup(); rc != kExitOk || !continuous_) return rc;
    return Continuous();
  }

 private:
  static std::string InfoJson(const BackupInfo& b) {
    return "{\"id\":\"" + b.id + "\",\"created_us\":" + std::to_string(b.created_us) +
           ",\"finished_us\":" + std::to_string(b.finished_us) +
           ",\"commit\":" + std::to_string(b.commit) + ",\"files\":" + std::to_string(b.files) +
           ",\"bytes\":" + std::to_string(b.bytes) +
           ",\"new_bytes\":" + std::to_string(b.new_bytes) +
           ",\"encrypted\":" + (b.encrypted ? "true" : "false") + "}";
  }

  static std::string InfoLine(const BackupInfo& b) {
    char line[256];
    std::snprintf(line, sizeof(line),
                  "%s  commit %-10" PRIu64 " %4" PRIu64 " files %14" PRIu64 " bytes %14" PRIu64
                  " new  %.2f s%s",
                  b.id.c_str(), b.commit, b.files, b.bytes, b.new_bytes,
                  double(b.finished_us - b.created_us) / 1e6, b.encrypted ? "  encrypted" : "");
    return line;
  }

  // Bad requests (a missing backup, a non-empty target...) are usage errors.
  static int FailCode(const char* what, const Status& s) {
    if (s.IsInvalidArgument() || s.IsNotFound())
      return Fail(kExitUsage, std::string(what) + ": " + s.message());
    return FailStatus(what, s);
  }

  int TakeBackup() {
    BackupInfo info;
    Status s = BackupDatabase(db_path_, repository_, BackupOptions(), &info);
    if (!s.ok()) return FailCode("backup", s);
    return WriteLine(json_ ? InfoJson(info) : InfoLine(info)) ? kExitOk : kExitIoError;
  }

  int Continuous() {
    backup_interrupted = false;
    std::signal(SIGINT, [](int) { backup_interrupted = true; });
    std::signal(SIGTERM, [](int) { backup_interrupted = true; });
    std::fprintf(stderr, "archiving sealed journals every %d s; interrupt to stop\n", interval_s_);
    while (!backup_interrupted) {
      int archived = 0;
      bool gap = false;
      Status s = ArchiveJournals(db_path_, repository_, BackupOptions(), &archived, &gap);
      if (!s.ok() && !s.IsBusy()) return FailCode("backup --continuous", s);
      if (archived > 0) std::fprintf(stderr, "archived %d journal(s)\n", archived);
      if (gap) {
        // A journal was flushed before it could be copied: a new backup
        // starts the chain again.
        std::fprintf(stderr, "a journal was flushed before it was archived: taking a backup\n");
        if (int rc = TakeBackup(); rc != kExitOk) return rc;
      }
      std::fflush(stdout);
      for (int i = 0; i < interval_s_ * 10 && !backup_interrupted; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    std::fprintf(stderr, "stopped\n");
    return kExitOk;
  }

  int List() {
    std::vector<BackupInfo> backups;
    Status s = ListBackups(repository_, &backups);
    if (!s.ok()) return FailCode("backup list", s);
    for (const BackupInfo& b : backups) {
      if (!WriteLine(json_ ? InfoJson(b) : InfoLine(b))) return kExitIoError;
    }
    return kExitOk;
  }

  int Verify(const PassphraseFn& passphrase) {
    BackupVerifyOptions options;
    options.backup_id = backup_id_;
    if (int rc = passphrase(&options.passphrase); rc != kExitOk) return rc;
    BackupVerifyReport report;
    Status s = VerifyBackups(repository_, options, &report);
    if (!s.ok()) return FailCode("backup verify", s);
    for (const std::string& d : report.damage) WriteLine(EscapeControls(d));
    for (const std::string& d : report.skipped) std::fprintf(stderr, "note: %s\n", d.c_str());
    std::fprintf(
        stderr,
        "checked %" PRIu64 " backups, %" PRIu64 " files (%" PRIu64 " bytes), %" PRIu64 " records\n",
        report.backups_checked, report.files_checked, report.bytes_checked, report.records_checked);
    if (report.damage.empty()) return kExitOk;
    return Fail(kExitCorruption,
                "backup verify: " + std::to_string(report.damage.size()) + " problems found");
  }

  int Prune() {
    PruneResult result;
    Status s = PruneBackups(repository_, prune_options_, &result);
    if (!s.ok()) return FailCode("backup prune", s);
    const char* verb = prune_options_.dry_run ? "would remove" : "removed";
    for (const std::string& id : result.removed) WriteLine(std::string(verb) + " backup " + id);
    std::fprintf(stderr,
                 "kept %zu backups; %s %zu backups, %" PRIu64 " files (%" PRIu64 " bytes), %" PRIu64
                 " archived journals\n",
                 result.kept.size(), verb, result.removed.size(), result.files_removed,
                 result.bytes_removed, result.journals_removed);
    return kExitOk;
  }

  int Restore(const PassphraseFn& passphrase) {
    RestoreOptions options;
    options.backup_id = backup_id_;
    options.to_commit = to_commit_;
    if (commit_opt_->count() > 0 && to_commit_ == 0) {
      return Fail(kExitUsage, "restore: --to-commit must be at least 1");
    }
    if (!to_time_.empty()) {
      Status s = ParseRestoreTime(to_time_, &options.to_time_us);
      if (!s.ok()) return Fail(kExitUsage, "restore: " + s.message());
      options.has_to_time = true;
    }
    if (int rc = passphrase(&options.passphrase); rc != kExitOk) return rc;
    const auto start = std::chrono::steady_clock::now();
    RestoreInfo info;
    Status s = RestoreBackup(repository_, target_, options, &info);
    if (!s.ok()) return FailCode("restore", s);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "restored %s from backup %s to commit %" PRIu64 " (%" PRIu64
                 " archived journals, %" PRIu64 " bytes) in %.2f s\n",
                 target_.c_str(), info.backup_id.c_str(), info.commit, info.journals_replayed,
                 info.bytes, secs);
    return kExitOk;
  }

  CLI::App* backup_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* prune_ = nullptr;
  CLI::App* restore_ = nullptr;
  CLI::Option* commit_opt_ = nullptr;
  std::string db_path_, repository_, target_, backup_id_, to_time_;
  uint64_t to_commit_ = 0;
  bool continuous_ = false, json_ = false;
  int interval_s_ = 5;
  PruneOptions prune_options_;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_BACKUP_H_
