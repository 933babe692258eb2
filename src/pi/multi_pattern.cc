#include "pi/multi_pattern.h"

#include <algorithm>
#include <new>

#include "pi/digit_analysis.h"
#include "pi/pattern_index.h"

namespace spirapi::pi {

Status MultiPatternMatcher::Build(const std::vector<std::string>& patterns,
                                  MultiPatternMatcher* out) {
  if (patterns.size() > kMaxMultiPatterns) {
    return Status::InvalidArgument("multi_pattern: " + std::to_string(patterns.size()) +
                                   " patterns, more than the " +
                                   std::to_string(kMaxMultiPatterns) + " allowed");
  }
  for (size_t i = 0; i < patterns.size(); ++i) {
    Status s = ValidatePattern(patterns[i]);
    if (!s.ok()) return Status::InvalidArgument("multi_pattern: pattern " + std::to_string(i) +
                                                ": " + s.message());
  }
  try {
    MultiPatternMatcher m;
    // The trie. 0 in next_ means "no child" while building: the root is
    // nobody's child.
    m.next_.assign(10, 0);
    m.depth_.assign(1, 0);
    for (const std::string& p : patterns) {
      uint32_t node = 0;
      for (char c : p) {
        const size_t slot = 10 * size_t{node} + static_cast<size_t>(c - '0');
        if (m.next_[slot] == 0) {
          m.next_[slot] = static_cast<uint32_t>(m.depth_.size());
          m.depth_.push_back(m.depth_[node] + 1);
          m.next_.resize(m.next_.size() + 10, 0);
        }
        node = m.next_[slot];
      }
      m.pattern_node_.push_back(node);
    }
    const size_t nodes = m.depth_.size();
    m.max_depth_ = *std::max_element(m.depth_.begin(), m.depth_.end());
    m.output_.assign(nodes, -1);
    for (uint32_t node : m.pattern_node_) m.output_[node] = static_cast<int32_t>(node);

    // Breadth-first: failure links, output links, and the missing
    // transitions filled in from the failure node's (already complete) row.
    m.fail_.assign(nodes, 0);
    m.output_link_.assign(nodes, -1);
    m.order_.reserve(nodes);
    m.order_.push_back(0);
    for (size_t head = 0; head < m.order_.size(); ++head) {
      const uint32_t u = m.order_[head];
      for (size_t c = 0; c < 10; ++c) {
        uint32_t& v = m.next_[10 * size_t{u} + c];
        if (v != 0) {  // a trie child (only those are set before u's turn)
          const uint32_t f = u == 0 ? 0 : m.next_[10 * size_t{m.fail_[u]} + c];
          m.fail_[v] = f;
          if (m.output_[v] >= 0) m.output_link_[v] = m.output_[f];
          else m.output_[v] = m.output_[f];
          m.order_.push_back(v);
        } else {
          v = u == 0 ? 0 : m.next_[10 * size_t{m.fail_[u]} + c];
        }
      }
    }
    *out = std::move(m);
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return Status::IOError("multi_pattern: out of memory compiling " +
                           std::to_string(patterns.size()) + " patterns");
  }
}

Status MultiPatternMatcher::Scan(std::string_view digits, const MultiPatternOptions& options,
                                 std::vector<PatternOccurrences>* out) const {
  Status s = ValidateDecimalDigits(digits);
  if (!s.ok()) return Status::InvalidArgument("multi_pattern: " + s.message());
  if (pattern_node_.empty()) {
    out->clear();
    return Status::OK();
  }
  try {
    // Per state: visits and the end offset of the first visit, side by side
    // so that a step touches one cache line.
    struct Visits {
      uint64_t count = 0;
      uint64_t first_end = UINT64_MAX;
    };
    const size_t nodes = fail_.size();
    std::vector<Visits> visits(nodes);
    std::vector<std::vector<uint64_t>> node_offsets;  // start offsets, per pattern node
    const auto* d = reinterpret_cast<const unsigned char*>(digits.data());
    const uint32_t* next = next_.data();
    uint32_t state = 0;
    auto visit = [&visits](uint32_t s, uint64_t i) {
      Visits& v = visits[s];
      ++v.count;
      if (i < v.first_end) v.first_end = i;
    };
    const uint64_t n = digits.size();
    if (options.max_offsets == 0) {
      // Each step of one run waits for the load of the step before; four
      // runs over the four quarters of the text, interleaved, let the CPU
      // overlap those loads (about twice as fast). A run starts from the root
      // max_depth - 1 digits before its quarter without recording: a state
      // is at most max_depth digits long, so by the quarter's first digit it
      // is the state a run from the start would be in.
      constexpr int kLanes = 4;
      const uint64_t quarter = n / kLanes;
      uint32_t lane[kLanes] = {};
      for (int j = 1; j < kLanes; ++j) {
        const uint64_t begin = j * quarter;
        for (uint64_t i = begin - std::min<uint64_t>(begin, max_depth_ - 1); i < begin; ++i) {
          lane[j] = next[10 * size_t{lane[j]} + (d[i] - '0')];
        }
      }
      for (uint64_t t = 0; t < quarter; ++t) {
        for (int j = 0; j < kLanes; ++j) {
          const uint64_t i = j * quarter + t;
          lane[j] = next[10 * size_t{lane[j]} + (d[i] - '0')];
          visit(lane[j], i);
        }
      }
      state = lane[kLanes - 1];
      for (uint64_t i = kLanes * quarter; i < n; ++i) {
        state = next[10 * size_t{state} + (d[i] - '0')];
        visit(state, i);
      }
    } else {
      node_offsets.resize(nodes);
      for (uint64_t i = 0; i < n; ++i) {
        state = next[10 * size_t{state} + (d[i] - '0')];
        visit(state, i);
        for (int32_t p = output_[state]; p >= 0; p = output_link_[p]) {
          std::vector<uint64_t>& list = node_offsets[p];
          if (list.size() < options.max_offsets) list.push_back(i + 1 - depth_[p]);
        }
      }
    }
    // Leaves first: each node's totals flow to its failure node.
    for (size_t j = order_.size(); j-- > 1;) {
      const uint32_t u = order_[j];
      Visits& f = visits[fail_[u]];
      f.count += visits[u].count;
      f.first_end = std::min(f.first_end, visits[u].first_end);
    }
    out->assign(pattern_node_.size(), PatternOccurrences());
    for (size_t i = 0; i < pattern_node_.size(); ++i) {
      const uint32_t node = pattern_node_[i];
      PatternOccurrences& r = (*out)[i];
      r.count = visits[node].count;
      if (r.count > 0) r.first = visits[node].first_end + 1 - depth_[node];
      if (!node_offsets.empty()) r.offsets = node_offsets[node];
    }
    return Status::OK();
  } catch (const std::bad_alloc&) {
    return Status::IOError("multi_pattern: out of memory scanning " +
                           std::to_string(digits.size()) + " digits");
  }
}

}  // namespace spirapi::pi
