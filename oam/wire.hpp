#pragma once
// Byte helpers of the OAM codecs: a bounds-checked big-endian reader and an
// appending writer. Every read is checked against the bytes given, so a
// parser built on Reader never reads past its input (fuzz/fuzz_oam.cpp).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "contract/byte_order.hpp"

namespace l2vpn::oam {

using Bytes = std::vector<uint8_t>;

using l2vpn::load_be16;
using l2vpn::load_be32;
using l2vpn::store_be16;
using l2vpn::store_be32;

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  size_t left() const { return b_.size() - off_; }
  size_t offset() const { return off_; }
  bool has(size_t n) const { return left() >= n; }
  // Each getter returns false (and reads nothing) when too few bytes are left.
  bool u8(uint8_t& v) {
    if (!has(1)) return false;
    v = b_[off_++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (!has(2)) return false;
    v = load_be16(b_.data() + off_);
    off_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (!has(4)) return false;
    v = load_be32(b_.data() + off_);
    off_ += 4;
    return true;
  }
  bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (!has(n)) return false;
    out = b_.subspan(off_, n);
    off_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (!has(n)) return false;
    off_ += n;
    return true;
  }
  std::span<const uint8_t> rest() const { return b_.subspan(off_); }

 private:
  std::span<const uint8_t> b_;
  size_t off_ = 0;
};

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(uint8_t(v >> 8));
    out_.push_back(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // Zero bytes up to the next multiple of 4 counted from `from`.
  void pad4(size_t from) { zeros((4 - (out_.size() - from) % 4) % 4); }
  size_t size() const { return out_.size(); }
  // Patches a 16-bit field written earlier (a length known only now).
  void patch16(size_t at, uint16_t v) { store_be16(out_.data() + at, v); }

 private:
  Bytes& out_;
};

// "10.0.0.1" for a host-order IPv4 address.
std::string ipv4_to_string(uint32_t a);
// Host-order address, or false on bad text.
bool parse_ipv4(std::string_view text, uint32_t& out);

}  // namespace l2vpn::oam
