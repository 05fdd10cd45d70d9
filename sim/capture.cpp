#include "sim/capture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/backbone.hpp"

namespace l2vpn::sim {

namespace {

// pcapng (draft-ietf-opsawg-pcapng) block types and options.
constexpr uint32_t kShb = 0x0A0D0D0A;
constexpr uint32_t kIdb = 0x00000001;
constexpr uint32_t kEpb = 0x00000006;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kOptEnd = 0, kOptComment = 1;
constexpr uint16_t kShbUserAppl = 4;
constexpr uint16_t kIfName = 2, kIfDescription = 3, kIfTsresol = 9;
constexpr uint16_t kLinktypeEthernet = 1;
constexpr uint32_t kSnapLen = 65535;

size_t pad4(size_t n) { return (n + 3) & ~size_t(3); }

template <class T>
void append(std::vector<uint8_t>& b, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}

// Block total length goes at offset 4 and again at the end.
void finish_block(std::vector<uint8_t>& b) {
  const uint32_t total = uint32_t(b.size() + 4);
  std::memcpy(b.data() + 4, &total, 4);
  append(b, total);
}

// File names from router names (GraphML names have spaces, slashes, ...).
std::string file_part(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace

// ---- PcapngWriter

Result<std::unique_ptr<PcapngWriter>> PcapngWriter::create(const std::string& path,
                                                           const std::string& comment) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Error{fmt::format("cannot create capture {}: {}", path, std::strerror(errno))};
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  std::unique_ptr<PcapngWriter> w(new PcapngWriter(path, f));
  w->scratch_.resize(kSnapLen);
  auto& b = w->block_;
  b.clear();
  append(b, kShb);
  append(b, uint32_t(0));
  append(b, kByteOrderMagic);
  append(b, uint16_t(1));     // major
  append(b, uint16_t(0));     // minor
  append(b, int64_t(-1));     // section length: not given
  const std::string appl = "l2vpn sim";
  w->option(kShbUserAppl, appl.data(), uint16_t(appl.size()));
  if (!comment.empty()) w->option(kOptComment, comment.data(), uint16_t(std::min<size_t>(comment.size(), 60000)));
  w->option(kOptEnd, nullptr, 0);
  finish_block(b);
  w->put(b.data(), b.size());
  if (w->failed_) return Error{fmt::format("cannot write capture {}: {}", path, std::strerror(w->error_))};
  return w;
}

PcapngWriter::~PcapngWriter() {
  if (f_) std::fclose(f_);
}

void PcapngWriter::put(const void* p, size_t n) noexcept {
  if (failed_ || !f_) return;
  if (std::fwrite(p, 1, n, f_) != n) {
    failed_ = true;
    error_ = errno;
  }
}

void PcapngWriter::option(uint16_t code, const void* value, uint16_t len) {
  append(block_, code);
  append(block_, len);
  const auto* v = static_cast<const uint8_t*>(value);
  if (len) block_.insert(block_.end(), v, v + len);
  block_.resize(block_.size() + (pad4(len) - len), 0);
}

uint32_t PcapngWriter::add_interface(const std::string& name, const std::string& description) {
  auto& b = block_;
  b.clear();
  append(b, kIdb);
  append(b, uint32_t(0));
  append(b, kLinktypeEthernet);
  append(b, uint16_t(0));  // reserved
  append(b, kSnapLen);
  option(kIfName, name.data(), uint16_t(name.size()));
  option(kIfDescription, description.data(), uint16_t(description.size()));
  const uint8_t nanoseconds = 9;  // if_tsresol: 10^-9 s
  option(kIfTsresol, &nanoseconds, 1);
  option(kOptEnd, nullptr, 0);
  finish_block(b);
  put(b.data(), b.size());
  return interfaces_++;
}

void PcapngWriter::write_packet(uint32_t interface, uint64_t time_ns, const rte_mbuf* m) noexcept {
  const uint32_t orig = rte_pktmbuf_pkt_len(m);
  const uint32_t cap = std::min(orig, kSnapLen);
  // Chained mbufs (flood replicas: a header mbuf and an indirect one) are
  // linearised into scratch_; a single segment is read in place.
  const void* data = rte_pktmbuf_read(m, 0, cap, scratch_.data());
  if (!data) return;
  struct {
    uint32_t type, total, interface, ts_high, ts_low, caplen, origlen;
  } h{kEpb, uint32_t(28 + pad4(cap) + 4), interface, uint32_t(time_ns >> 32), uint32_t(time_ns),
      cap, orig};
  static_assert(sizeof h == 28);
  static constexpr uint8_t zeros[4] = {};
  put(&h, sizeof h);
  put(data, cap);
  put(zeros, pad4(cap) - cap);
  put(&h.total, 4);
  ++packets_;
}

Status PcapngWriter::close() {
  if (!f_) return Status::success();
  if (std::fflush(f_) != 0 && !failed_) {
    failed_ = true;
    error_ = errno;
  }
  std::fclose(f_);
  f_ = nullptr;
  if (failed_) return Error{fmt::format("writing capture {} failed: {}", path_, std::strerror(error_))};
  return Status::success();
}

// ---- LinkCapture

LinkCapture::LinkCapture(std::unique_ptr<PcapngWriter> w, LinkDirection* a_to_b,
                         LinkDirection* b_to_a)
    : writer_(std::move(w)), dirs_{a_to_b, b_to_a} {
  for (uint32_t i = 0; i < 2; ++i) {
    taps_[i].w = writer_.get();
    taps_[i].interface = i;
    dirs_[i]->set_capture(&taps_[i]);
  }
}

LinkCapture::~LinkCapture() { detach(); }

void LinkCapture::detach() {
  if (!attached_) return;
  for (auto* d : dirs_) d->set_capture(nullptr);
  attached_ = false;
}

Status LinkCapture::close() {
  detach();
  return writer_->close();
}

// ---- CaptureSet

std::vector<std::string> CaptureSet::paths() const {
  std::vector<std::string> out;
  for (auto& c : captures) out.push_back(c->path());
  return out;
}

uint64_t CaptureSet::frames() const {
  uint64_t n = 0;
  for (auto& c : captures) n += c->frames();
  return n;
}

Status CaptureSet::close() {
  Status first = Status::success();
  for (auto& c : captures)
    if (auto st = c->close(); !st && first) first = st;
  return first;
}

Result<std::unique_ptr<CaptureSet>> open_pcap_option(Backbone& bb, const std::string& dir,
                                                     const std::vector<std::string>& links) {
  if (dir.empty()) return std::unique_ptr<CaptureSet>();
  return open_captures(bb, dir, links.empty() ? std::vector<std::string>{"all"} : links);
}

Result<std::unique_ptr<CaptureSet>> open_captures(Backbone& bb, const std::string& dir,
                                                  const std::vector<std::string>& link_specs) {
  const cp::Topology& topo = bb.topology();
  if (link_specs.empty()) return Error{"--pcap: no links chosen (give 'A:B', ... or 'all')"};
  std::set<uint32_t> chosen;
  for (const std::string& spec : link_specs) {
    if (spec == "all") {
      for (uint32_t i = 0; i < topo.links.size(); ++i) chosen.insert(i);
      continue;
    }
    auto ends = cp::parse_link_spec(spec);
    if (!ends) return Error{fmt::format("--pcap-links {}: {}", spec, ends.error().message)};
    bool found = false;
    for (uint32_t i = 0; i < topo.links.size(); ++i) {
      auto& l = topo.links[i];
      if ((l.a == ends->first && l.b == ends->second) || (l.a == ends->second && l.b == ends->first)) {
        chosen.insert(i);
        found = true;
      }
    }
    if (!found)
      return Error{fmt::format("--pcap-links {}: no link between '{}' and '{}' in {}", spec,
                               ends->first, ends->second, topo.source.empty() ? topo.name : topo.source)};
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{fmt::format("--pcap {}: cannot create the directory: {}", dir, ec.message())};

  auto set = std::make_unique<CaptureSet>();
  std::map<std::string, unsigned> seen;  // base name -> links so far (parallel links)
  for (uint32_t i : chosen) {
    auto& l = topo.links[i];
    std::string base = file_part(l.a) + "--" + file_part(l.b);
    unsigned n = ++seen[base];
    if (n > 1) base += "--" + std::to_string(n);
    const std::string path = (std::filesystem::path(dir) / (base + ".pcapng")).string();
    auto w = PcapngWriter::create(
        path, fmt::format("{} link {} -- {} ({}): timestamps are emulator time since start",
                          topo.name.empty() ? topo.source : topo.name, l.a, l.b, i));
    if (!w) return w.error();
    const std::string desc = fmt::format("{}:{} -- {}:{}, {}, {}", l.a, l.a_port, l.b, l.b_port,
                                         cp::format_bandwidth(l.bandwidth_bps), cp::format_delay(l.delay_us));
    (*w)->add_interface(l.a + ">" + l.b, desc);
    (*w)->add_interface(l.b + ">" + l.a, desc);
    auto& e = bb.links().at(i);
    set->captures.push_back(std::make_unique<LinkCapture>(std::move(*w), e.a_to_b.get(), e.b_to_a.get()));
  }
  return set;
}

}  // namespace l2vpn::sim
