// YAML reading with errors collected, never thrown: the context of a file
// (its name, its errors), one mapping read with its keys checked and its
// values typed (MapReader). Private to controlplane/: the topology loader's.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "controlplane/spelling.hpp"
#include "controlplane/yaml_loader.hpp"
#include "controlplane/yaml_primitives.hpp"

namespace l2vpn::cp {

struct Ctx {
  std::string file;
  std::vector<std::string> errors;

  static int line_of(const YAML::Node& n) {
    if (!n.IsDefined()) return 0;
    int l = n.Mark().line;
    return l >= 0 ? l + 1 : 0;
  }
  std::string at(int line) const { return SourceLocation{file, line}.str(); }
  void error(int line, const std::string& what, const std::string& msg) {
    errors.push_back(at(line) + ": " + (what.empty() ? "" : what + ": ") + msg);
  }
};

inline std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar " + squote(n.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

// One YAML mapping: checks unknown and duplicate keys up front, then hands
// out typed values, recording an error (and leaving the output alone) on a
// wrong type.
class MapReader {
 public:
  MapReader(Ctx& ctx, const YAML::Node& node, std::string what,
            std::initializer_list<std::string_view> allowed, int parent_line = 0)
      : ctx_(ctx), what_(std::move(what)), line_(Ctx::line_of(node)) {
    if (!line_) line_ = parent_line;
    if (!node.IsMap()) {
      ctx_.error(line_, what_, "expected a mapping, found " + kind_of(node));
      ok_ = false;
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      int kline = Ctx::line_of(it->first);
      if (!it->first.IsScalar()) {
        ctx_.error(kline, what_, "a key must be a plain name, found " + kind_of(it->first));
        continue;
      }
      std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string msg = "unknown key " + squote(key);
        const std::string_view best = closest_match(lower(key), allowed, 3);
        if (!best.empty()) msg += " (did you mean " + squote(best) + "?)";
        else {
          msg += " (known keys:";
          for (std::string_view a : allowed) msg += " " + std::string(a);
          msg += ")";
        }
        ctx_.error(kline, what_, msg);
        continue;
      }
      if (values_.count(key)) {
        ctx_.error(kline, what_, "key " + squote(key) + " given twice");
        continue;
      }
      values_.emplace(key, std::make_pair(it->first, it->second));
    }
  }

  bool ok() const { return ok_; }
  int line() const { return line_; }
  const std::string& what() const { return what_; }
  void set_what(std::string w) { what_ = std::move(w); }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  YAML::Node node(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? YAML::Node() : it->second.second;
  }
  int line_of(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return line_;
    int l = Ctx::line_of(it->second.second);
    return l ? l : Ctx::line_of(it->second.first);
  }
  void error(const std::string& key, const std::string& msg) { ctx_.error(line_of(key), what_, msg); }
  void missing(const std::string& key) { ctx_.error(line_, what_, "missing key " + squote(key)); }

  // A scalar as text; false (and an error) if present but not a scalar.
  bool scalar(const std::string& key, std::string& out) {
    if (!has(key)) return false;
    YAML::Node n = node(key);
    if (!n.IsScalar()) {
      error(key, squote(key) + " must be a single value, found " + kind_of(n));
      return false;
    }
    out = n.Scalar();
    return true;
  }
  bool str(const std::string& key, std::string& out, bool required = false) {
    if (!has(key)) {
      if (required) missing(key);
      return false;
    }
    std::string s;
    if (!scalar(key, s)) return false;
    if (s.empty()) {
      error(key, squote(key) + " must not be empty");
      return false;
    }
    out = s;
    return true;
  }
  template <class T>
  bool uint(const std::string& key, T& out, uint64_t min, uint64_t max) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_uint(s);
    if (!v && s.size() > 1 && s[0] == '-' && parse_uint(std::string_view(s).substr(1))) {
      // A negative whole number: the problem is the range, not the form.
      error(key, squote(key) + " " + s + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
      return false;
    }
    if (!v) {
      error(key, squote(key) + " must be a whole number, found " + squote(s));
      return false;
    }
    if (*v < min || *v > max) {
      error(key, squote(key) + " " + std::to_string(*v) + " is out of range [" +
                     std::to_string(min) + ", " + std::to_string(max) + "]");
      return false;
    }
    out = static_cast<T>(*v);
    return true;
  }
  // A whole number with an optional unit ("300" or "300s"); `form` names
  // both ways in the error, e.g. "seconds (300 or 300s)".
  template <typename T>
  bool uint_unit(const std::string& key, std::string_view unit, T& out, uint64_t min, uint64_t max,
                 std::string_view form) {
    std::string s;
    if (!scalar(key, s)) return false;
    std::string_view digits = s;
    if (digits.ends_with(unit)) digits.remove_suffix(unit.size());
    auto v = parse_uint(digits);
    if (!v || *v < min || *v > max) {
      error(key, squote(key) + " must be " + std::string(form) + " in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], found " + squote(s));
      return false;
    }
    out = static_cast<T>(*v);
    return true;
  }
  bool boolean(const std::string& key, bool& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_bool(s);
    if (!v) {
      error(key, squote(key) + " must be true or false, found " + squote(s));
      return false;
    }
    out = *v;
    return true;
  }
  bool number(const std::string& key, double& out, double min, double max) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_number(s);
    if (!v || *v < min || *v > max) {
      std::ostringstream os;
      os << squote(key) << " must be a number in [" << min << ", " << max << "], found " << squote(s);
      error(key, os.str());
      return false;
    }
    out = *v;
    return true;
  }
  bool bandwidth(const std::string& key, uint64_t& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_bandwidth(s);
    if (!v) {
      error(key, "bad bandwidth " + squote(s) + " (examples: 10G, 2.5G, 100M, 400k)");
      return false;
    }
    out = *v;
    return true;
  }
  bool delay(const std::string& key, double& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_delay_us(s);
    if (!v) {
      // Well formed but out of range: say which bound.
      std::string m = s;
      if (!m.empty() && m[0] == '-') m = m.substr(1);
      if (m != s && parse_delay_us(m)) {
        error(key, "delay " + squote(s) + " is negative");
        return false;
      }
      for (auto [suffix, mult] : {std::pair<std::string_view, double>{"ns", 1e-3}, {"us", 1}, {"ms", 1e3}, {"s", 1e6}})
        if (m.size() > suffix.size() && m.ends_with(suffix)) {
          auto n = parse_number(std::string_view(m).substr(0, m.size() - suffix.size()));
          if (n && *n * mult > 10e6) {
            error(key, "delay " + squote(s) + " is above the maximum of 10 s (one way)");
            return false;
          }
          break;
        }
      error(key, "bad delay " + squote(s) + " (a number with a unit: 150us, 2ms, 1.5ms, 500ns, 1s)");
      return false;
    }
    out = *v;
    return true;
  }
  // One of the given words.
  bool choice(const std::string& key, std::string& out, std::initializer_list<std::string_view> words) {
    std::string s;
    if (!scalar(key, s)) return false;
    if (std::find(words.begin(), words.end(), s) == words.end()) {
      std::string msg = squote(key) + " must be one of";
      for (auto w : words) msg += " " + std::string(w);
      error(key, msg + ", found " + squote(s));
      return false;
    }
    out = s;
    return true;
  }
  // A list of names (strings).
  bool name_list(const std::string& key, std::vector<std::string>& out, bool required = false) {
    if (!has(key)) {
      if (required) missing(key);
      return false;
    }
    YAML::Node n = node(key);
    if (n.IsNull()) {
      out.clear();
      return true;
    }
    if (!n.IsSequence()) {
      error(key, squote(key) + " must be a list of names, found " + kind_of(n));
      return false;
    }
    std::vector<std::string> v;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        ctx_.error(Ctx::line_of(item) ? Ctx::line_of(item) : line_of(key), what_,
                   squote(key) + " must be a list of names, found " + kind_of(item));
        return false;
      }
      v.push_back(item.Scalar());
    }
    out = std::move(v);
    return true;
  }
  // A list (null counts as empty); false if present but not a list.
  bool list(const std::string& key, std::vector<YAML::Node>& out) {
    out.clear();
    if (!has(key)) return false;
    YAML::Node n = node(key);
    if (n.IsNull()) return true;
    if (!n.IsSequence()) {
      error(key, squote(key) + " must be a list, found " + kind_of(n));
      return false;
    }
    for (const YAML::Node& item : n) out.push_back(item);
    return true;
  }

 private:
  Ctx& ctx_;
  std::string what_;
  int line_ = 0;
  bool ok_ = true;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> values_;
};

// Reads a list item's name first, so every later message can name it.
inline std::string item_what(const char* kind, const YAML::Node& item, size_t index) {
  if (item.IsMap()) {
    YAML::Node n = item["name"];
    if (n.IsDefined() && n.IsScalar() && !n.Scalar().empty())
      return std::string(kind) + " " + squote(n.Scalar());
  }
  return std::string(kind) + " #" + std::to_string(index + 1);
}

}  // namespace l2vpn::cp
