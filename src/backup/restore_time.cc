// ParseRestoreTime: the times `spirapi restore --to-time` accepts.

#include <cctype>
#include <cstdio>
#include <ctime>

#include "spirapi/backup.h"

namespace spirapi {
namespace {

// Reads exactly n digits at *p.
bool Digits(const char** p, int n, int* out) {
  *out = 0;
  for (int i = 0; i < n; ++i, ++*p) {
    if (!std::isdigit(static_cast<unsigned char>(**p))) return false;
    *out = *out * 10 + (**p - '0');
  }
  return true;
}

// Up to 6 digits of fraction as microseconds; more digits are accepted and cut.
bool Fraction(const char** p, int64_t* us) {
  *us = 0;
  int n = 0;
  for (; std::isdigit(static_cast<unsigned char>(**p)); ++*p, ++n) {
    if (n < 6) *us = *us * 10 + (**p - '0');
  }
  for (int i = n; i < 6; ++i) *us *= 10;
  return n > 0 && n <= 9;
}

}  // namespace

Status ParseRestoreTime(const std::string& text, int64_t* time_us) {
  const Status bad = Status::InvalidArgument(
      "'" + text +
      "' is not a time: give ISO 8601 (2026-12-07T19:05:12.5Z, or with an offset such as "
      "+01:00) or seconds since the epoch");
  const char* p = text.c_str();
  if (text.empty()) return bad;
  bool all_epoch = true;
  for (char ch : text)
    all_epoch = all_epoch && (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.');
  if (all_epoch && text.size() <= 18) {
    int64_t secs = 0;
    for (; std::isdigit(static_cast<unsigned char>(*p)); ++p) secs = secs * 10 + (*p - '0');
    int64_t us = 0;
    if (*p == '.' && !Fraction(&++p, &us)) return bad;
    if (*p != '\0') return bad;
    *time_us = secs * 1000000 + us;
    return Status::OK();
  }
  struct tm tm = {};
  int year, month, day, hour, minute, second;
  if (!Digits(&p, 4, &year) || *p++ != '-' || !Digits(&p, 2, &month) || *p++ != '-' ||
      !Digits(&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' ') || !Digits(&++p, 2, &hour) ||
      *p++ != ':' || !Digits(&p, 2, &minute) || *p++ != ':' || !Digits(&p, 2, &second)) {
    return bad;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad;
  }
  int64_t us = 0;
  if ((*p == '.' || *p == ',') && !Fraction(&++p, &us)) return bad;
  int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    const int sign = *p++ == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(&p, 2, &oh)) return bad;
    if (*p == ':') ++p;
    if (!Digits(&p, 2, &om) || oh > 23 || om > 59) return bad;
    offset_s = sign * (oh * 3600 + om * 60);
  }
  if (*p != '\0') return bad;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t t = timegm(&tm);
  // timegm normalizes 31 February into March: refuse dates that moved.
  struct tm back;
  gmtime_r(&t, &back);
  if (back.tm_mday != day && second != 60) return bad;
  *time_us = (static_cast<int64_t>(t) - offset_s) * 1000000 + us;
  return Status::OK();
}

}  // namespace spirapi
