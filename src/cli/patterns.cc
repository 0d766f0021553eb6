// PCRE2-backed whole-id pattern matching with bounded match effort.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "cli/patterns.h"

#include <pcre2.h>

#include <string_view>

namespace spmi {

namespace {
// Task ids are at most 64 characters; these limits stop catastrophic
// backtracking long before it could be noticed.
constexpr uint32_t kMatchLimit = 100000;
constexpr uint32_t kDepthLimit = 10000;

// A pattern of plain characters only (no metacharacter, nothing outside
// printable ASCII) matches the whole id only when it is the id: compared as
// a string, without compiling it (`spmi status web` pays for no PCRE2).
bool is_literal(const std::string& p) {
  for (unsigned char c : p)
    if (c < 0x21 || c > 0x7e || std::string_view("\\^$.|?*+()[]{}").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  return !p.empty();
}

}  // namespace

struct PatternSet::Impl {
  std::vector<std::string> sources;
  std::vector<pcre2_code*> codes;       // null for a literal pattern
  std::vector<pcre2_match_data*> data;  // one per compiled pattern, reused for every id
  pcre2_match_context* mctx = nullptr;
  ~Impl() {
    for (auto* c : codes) pcre2_code_free(c);
    for (auto* d : data) pcre2_match_data_free(d);
    if (mctx) pcre2_match_context_free(mctx);
  }
};

PatternSet::PatternSet() : impl_(std::make_unique<Impl>()) {}
PatternSet::~PatternSet() = default;

bool PatternSet::compile(const std::vector<std::string>& patterns, std::string* err) {
  for (const std::string& p : patterns) {
    if (is_literal(p)) {
      impl_->sources.push_back(p);
      impl_->codes.push_back(nullptr);
      impl_->data.push_back(nullptr);
      continue;
    }
    if (!impl_->mctx) {
      impl_->mctx = pcre2_match_context_create(nullptr);
      pcre2_set_match_limit(impl_->mctx, kMatchLimit);
      pcre2_set_depth_limit(impl_->mctx, kDepthLimit);
    }
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                                   PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &code, &offset, nullptr);
    if (!re) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(code, msg, sizeof msg);
      *err = "invalid pattern '" + p + "' at position " + std::to_string(offset) + ": " +
             reinterpret_cast<const char*>(msg);
      return false;
    }
    impl_->sources.push_back(p);
    impl_->codes.push_back(re);
    impl_->data.push_back(pcre2_match_data_create_from_pattern(re, nullptr));
  }
  return true;
}

bool PatternSet::select(const std::vector<std::string>& ids, std::vector<std::string>* selected,
                        std::vector<std::string>* unmatched, std::string* err) const {
  std::vector<bool> pattern_hit(impl_->codes.size(), false);
  for (const std::string& id : ids) {
    bool any = false;
    for (size_t i = 0; i < impl_->codes.size(); ++i) {
      int rc = PCRE2_ERROR_NOMATCH;
      if (!impl_->codes[i]) {
        if (id == impl_->sources[i]) rc = 0;
      } else if (impl_->data[i]) {
        rc = pcre2_match(impl_->codes[i], reinterpret_cast<PCRE2_SPTR>(id.data()), id.size(), 0, 0, impl_->data[i],
                         impl_->mctx);
      } else {
        rc = PCRE2_ERROR_NOMEMORY;
      }
      if (rc >= 0) {
        any = true;
        pattern_hit[i] = true;
      } else if (rc != PCRE2_ERROR_NOMATCH) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        *err = "pattern '" + impl_->sources[i] + "' could not be matched against '" + id +
               "': " + reinterpret_cast<const char*>(msg);
        return false;
      }
    }
    if (any) selected->push_back(id);
  }
  for (size_t i = 0; i < pattern_hit.size(); ++i)
    if (!pattern_hit[i]) unmatched->push_back(impl_->sources[i]);
  return true;
}

}  // namespace spmi
