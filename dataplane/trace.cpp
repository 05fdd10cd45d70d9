#include "dataplane/trace.hpp"

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_mbuf_dyn.h>

#include <algorithm>
#include <mutex>

#include "dataplane/mac_table.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/router.hpp"
#include "dataplane/telemetry.hpp"

namespace l2vpn::dp {

namespace trace_detail {
std::atomic<bool> g_armed{false};
uint64_t g_flag = 0;
int g_field = -1;
}  // namespace trace_detail

namespace {
using namespace trace_detail;

std::mutex g_control_mu;                       // arm/disarm (telemetry thread)
std::atomic<const TraceFilter*> g_filter{nullptr};
std::vector<std::unique_ptr<TraceFilter>> g_filters;  // every filter ever armed: workers may hold one
std::atomic<int64_t> g_remaining{0};
std::atomic<uint32_t> g_next_id{1};
std::atomic<uint32_t> g_first_shown{1};  // ids below were cleared

Status register_mbuf_mark() {
  if (g_flag) return Status::success();
  static const rte_mbuf_dynflag flag{"l2vpn_trace", 0};
  int bit = rte_mbuf_dynflag_register(&flag);
  if (bit < 0) return Error{"trace: cannot register the mbuf dynflag l2vpn_trace"};
  static const rte_mbuf_dynfield field{"l2vpn_trace_id", sizeof(uint32_t), alignof(uint32_t), 0};
  int off = rte_mbuf_dynfield_register(&field);
  if (off < 0) return Error{"trace: cannot register the mbuf dynfield l2vpn_trace_id"};
  g_field = off;
  g_flag = 1ull << bit;
  return Status::success();
}

// Top label (or kTraceNoLabel) and whether `mac` is a source or destination
// of the outer frame or of an Ethernet PW payload under the label stack.
struct Peek {
  uint32_t label = kTraceNoLabel;
  bool mac_match = false;
};
Peek peek(const rte_mbuf* m, const std::optional<MacAddr>& mac) {
  Peek r;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t len = m->data_len;
  auto has = [&](uint32_t at) {
    return mac && at + 12 <= len &&
           (std::equal(mac->begin(), mac->end(), p + at) || std::equal(mac->begin(), mac->end(), p + at + 6));
  };
  if (len < kEtherHeaderLen) return r;
  r.mac_match = has(0);
  uint32_t off = 12;
  uint16_t type = load_be16(p + off);
  while ((type == 0x8100 || type == 0x88a8) && off + 6 <= len) {
    off += 4;
    type = load_be16(p + off);
  }
  off += 2;
  if (type != kEtherTypeMpls || off + 4 > len) return r;
  r.label = lse::label(load_be32(p + off));
  for (unsigned i = 0; i < kMaxStackDepth && off + 4 <= len; ++i) {
    const uint32_t e = load_be32(p + off);
    off += 4;
    if (lse::bos(e)) {
      if (off < len && (p[off] >> 4) == 0 && off + 4 + 12 <= len && has(off + 4)) r.mac_match = true;
      if (has(off)) r.mac_match = true;
      break;
    }
  }
  return r;
}

}  // namespace

std::vector<TraceRecord> TraceRing::copy() const {
  const uint64_t h = head.load(std::memory_order_acquire);
  const uint64_t from = h > kTraceRingSize ? h - kTraceRingSize : 0;
  std::vector<TraceRecord> out;
  out.reserve(size_t(h - from));
  for (uint64_t i = from; i < h; ++i) out.push_back(rec[i & (kTraceRingSize - 1)]);
  // Records the worker overwrote while we copied are dropped (seqlock style).
  const uint64_t h2 = head.load(std::memory_order_acquire);
  const uint64_t valid_from = h2 > kTraceRingSize ? h2 - kTraceRingSize : 0;
  if (valid_from > from) out.erase(out.begin(), out.begin() + std::min<ptrdiff_t>(ptrdiff_t(valid_from - from), ptrdiff_t(out.size())));
  return out;
}

Result<TraceFilter> parse_trace_filter(const std::vector<std::string>& params) {
  TraceFilter f;
  if (params.empty() || params[0].empty())
    return Error{"trace: usage N[,port=P][,label=L][,mac=M][,router=R]"};
  const auto& n = params[0];
  if (n.size() > 6 || !std::all_of(n.begin(), n.end(), ::isdigit) || std::stoul(n) == 0)
    return Error{fmt::format("trace: frame count '{}' is not a number from 1 to 999999", n)};
  f.count = uint32_t(std::stoul(n));
  for (size_t i = 1; i < params.size(); ++i) {
    const auto& p = params[i];
    auto eq = p.find('=');
    if (eq == std::string::npos) return Error{fmt::format("trace: '{}' is not key=value", p)};
    auto key = p.substr(0, eq), val = p.substr(eq + 1);
    if (val.empty()) return Error{fmt::format("trace: '{}' has no value", p)};
    if (key == "port") {
      f.port = val;
    } else if (key == "router") {
      f.router = val;
    } else if (key == "label") {
      if (val.size() > 7 || !std::all_of(val.begin(), val.end(), ::isdigit) || std::stoul(val) > kMaxLabel)
        return Error{fmt::format("trace: label '{}' is not a number from 0 to {}", val, kMaxLabel)};
      f.label = uint32_t(std::stoul(val));
    } else if (key == "mac") {
      auto m = parse_mac(val);
      if (!m) return Error{fmt::format("trace: '{}' is not a MAC address", val)};
      f.mac = *m;
    } else {
      return Error{fmt::format("trace: unknown filter '{}' (port, label, mac, router)", key)};
    }
  }
  return f;
}

std::string describe(const TraceFilter& f) {
  std::string s = fmt::format("next {} frames", f.count);
  if (!f.router.empty()) s += " entering router " + f.router;
  if (!f.port.empty()) s += " on port " + f.port;
  if (f.label) s += fmt::format(" with top label {}", *f.label);
  if (f.mac) s += " to or from " + l2vpn::to_string(*f.mac);
  return s;
}

Status trace_arm(const TraceFilter& f) {
  std::lock_guard g(g_control_mu);
  if (auto st = register_mbuf_mark(); !st) return st;
  g_filters.push_back(std::make_unique<TraceFilter>(f));
  g_filter.store(g_filters.back().get(), std::memory_order_release);
  g_remaining.store(f.count, std::memory_order_release);
  g_armed.store(true, std::memory_order_release);
  return Status::success();
}

void trace_disarm() {
  std::lock_guard g(g_control_mu);
  g_armed.store(false, std::memory_order_release);
  g_remaining.store(0);
  g_first_shown.store(g_next_id.load());
}

uint64_t trace_remaining() {
  int64_t r = g_remaining.load(std::memory_order_relaxed);
  return r > 0 ? uint64_t(r) : 0;
}

bool trace_mark(rte_mbuf* m, const std::string& router, const std::string& port) {
  if (traced(m)) return true;
  if (g_remaining.load(std::memory_order_relaxed) <= 0) return false;
  const TraceFilter* f = g_filter.load(std::memory_order_acquire);
  if (!f) return false;
  if (!f->router.empty() && f->router != router) return false;
  if (!f->port.empty() && f->port != port) return false;
  if (f->label || f->mac) {
    Peek pk = peek(m, f->mac);
    if (f->label && pk.label != *f->label) return false;
    if (f->mac && !pk.mac_match) return false;
  }
  int64_t left = g_remaining.load(std::memory_order_relaxed);
  do {
    if (left <= 0) return false;
  } while (!g_remaining.compare_exchange_weak(left, left - 1, std::memory_order_relaxed));
  m->ol_flags |= g_flag;
  *RTE_MBUF_DYNFIELD(m, g_field, uint32_t*) = g_next_id.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// ------------------------------------------------------------ Router side
void Router::prepare_trace() const {
  auto lock = observe_lock();
  for (auto& w : workers_)
    if (!w->trace_ring) w->trace_ring = std::make_unique<TraceRing>();
}

std::vector<std::vector<TraceRecord>> Router::trace_records() const {
  auto lock = observe_lock();
  std::vector<std::vector<TraceRecord>> out;
  for (auto& w : workers_) out.push_back(w->trace_ring ? w->trace_ring->copy() : std::vector<TraceRecord>{});
  return out;
}

void Router::trace_rx(Worker& w, uint16_t in_port, rte_mbuf** pkts, uint16_t n) {
  if (!w.trace_ring) return;  // not prepared (not registered): nothing recorded here
  static const std::string unknown = "?";
  const std::string& port = in_port < port_names_.size() ? port_names_[in_port] : unknown;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    if (!trace_mark(m, name_, port)) continue;
    w.trace_ring->push({rte_rdtsc(), trace_id(m), uint8_t(TraceStage::rx), 0,
                        uint16_t(std::min<uint32_t>(rte_pktmbuf_pkt_len(m), UINT16_MAX)), in_port,
                        peek(m, std::nullopt).label});
  }
}

void Router::trace_stage(Worker& w, const rte_mbuf* m, TraceStage stage, uint8_t code, uint32_t a, uint32_t b) {
  if (!w.trace_ring || !traced(m)) return;
  w.trace_ring->push({rte_rdtsc(), trace_id(m), uint8_t(stage), code,
                      uint16_t(std::min<uint32_t>(rte_pktmbuf_pkt_len(m), UINT16_MAX)), a, b});
}

// ------------------------------------------------------------ reading
std::string_view to_string(TraceStage s) {
  switch (s) {
    case TraceStage::rx: return "rx";
    case TraceStage::ilm: return "ilm";
    case TraceStage::nhlfe: return "nhlfe";
    case TraceStage::pw_disposition: return "pw-disposition";
    case TraceStage::ac_input: return "ac-input";
    case TraceStage::pw_imposition: return "pw-imposition";
    case TraceStage::ac_output: return "ac-output";
    case TraceStage::bridge_learn: return "bridge-learn";
    case TraceStage::bridge_forward: return "bridge-forward";
    case TraceStage::bridge_flood: return "bridge-flood";
    case TraceStage::replicate: return "replicate";
    case TraceStage::drop: return "drop";
    case TraceStage::tx: return "tx";
  }
  return "?";
}

namespace {

std::string labels_text(const std::vector<uint32_t>& labels) {
  std::string s;
  for (auto l : labels) s += (s.empty() ? "" : " ") + std::to_string(l);
  return s.empty() ? std::string(kImplicitNull) : s;  // the word every table uses for no label
}

// Compiled indexes follow the state's vectors (tables.cpp); the state may
// have changed since the record was written, so every index is checked.
struct Namer {
  const Router& r;
  const ForwardingState& s;
  std::string port(uint32_t i) const {
    return i < r.port_names().size() ? r.port_names()[i] : fmt::format("port #{}", i);
  }
  std::string nhlfe(uint32_t i) const {
    if (i >= s.nhlfes.size()) return fmt::format("nhlfe #{}", i);
    auto& n = s.nhlfes[i];
    return fmt::format("{} {} out {} to {} (nhlfe {})", to_string(n.op), labels_text(n.labels), n.out_port,
                       l2vpn::to_string(n.next_hop_mac), n.id);
  }
  std::string pw(uint32_t i) const {
    if (i >= s.pseudowires.size()) return fmt::format("pw #{}", i);
    auto& p = s.pseudowires[i];
    return fmt::format("pw {} (pw_id {}, peer {}, labels in {} out {}, cw {})", p.id, p.pw_id, p.peer, p.local_label,
                       p.remote_label, p.control_word ? "yes" : "no");
  }
  std::string ac(uint32_t i) const {
    if (i >= s.attachment_circuits.size()) return fmt::format("ac #{}", i);
    auto& a = s.attachment_circuits[i];
    std::string to = a.pseudowire ? fmt::format("pw {}", *a.pseudowire)
                                  : a.bridge_domain ? "vpls " + *a.bridge_domain : "-";
    return fmt::format("ac {} (port {}, vlan {}, {}) service {}", a.name, a.port, a.vlan, to_string(a.mode), to);
  }
  std::string bd(uint32_t i) const {
    return i < s.bridge_domains.size() ? s.bridge_domains[i].name : fmt::format("bd #{}", i);
  }
  // Member order of tables.cpp: the domain's ACs in state order, mesh PWs, spoke PWs.
  std::string member(uint32_t bdi, uint32_t i) const {
    if (bdi >= s.bridge_domains.size()) return fmt::format("member #{}", i);
    auto& d = s.bridge_domains[bdi];
    uint32_t k = 0;
    for (auto& a : s.attachment_circuits)
      if (a.bridge_domain == d.name && k++ == i) return "ac:" + a.name;
    for (auto id : d.mesh_pseudowires)
      if (k++ == i) return fmt::format("pw:{} (mesh)", id);
    for (auto id : d.spoke_pseudowires)
      if (k++ == i) return fmt::format("pw:{} (spoke)", id);
    return fmt::format("member #{}", i);
  }
};

std::string_view learn_text(uint8_t code) {
  switch (LearnResult(code)) {
    case LearnResult::known: return "source known";
    case LearnResult::learned: return "source learned";
    case LearnResult::moved: return "source moved here";
    case LearnResult::static_kept: return "source is static elsewhere: not learned";
    case LearnResult::bd_limit: return "domain at MAC limit: not learned";
    case LearnResult::global_limit: return "router at MAC limit: not learned";
    case LearnResult::table_full: return "MAC table full: not learned";
  }
  return "?";
}

std::string detail(const Namer& n, const TraceRecord& r) {
  switch (TraceStage(r.stage)) {
    case TraceStage::rx:
      return r.b == kTraceNoLabel ? fmt::format("port {}", n.port(r.a))
                                  : fmt::format("port {} top label {}", n.port(r.a), r.b);
    case TraceStage::ilm:
      switch (IlmKind(r.code)) {
        case IlmKind::miss: return fmt::format("label {} miss", r.a);
        case IlmKind::forward: return fmt::format("label {} hit: forward", r.a);
        case IlmKind::ecmp: return fmt::format("label {} hit: ecmp group #{}", r.a, r.b);
        case IlmKind::pw: return fmt::format("label {} hit: pw disposition", r.a);
        case IlmKind::pop_lookup: return fmt::format("label {} hit: pop and look up", r.a);
        case IlmKind::replicate: return fmt::format("label {} hit: replicate (p2mp)", r.a);
      }
      return fmt::format("label {} kind {}", r.a, r.code);
    case TraceStage::nhlfe:
      if (r.code & kTraceIlmHit) return n.nhlfe(r.a);
      return n.nhlfe(r.a) + (r.b ? " [LFA backup]" : "");
    case TraceStage::pw_disposition: return n.pw(r.a);
    case TraceStage::ac_input: return n.ac(r.a);
    case TraceStage::pw_imposition: return n.pw(r.a) + " over " + n.nhlfe(r.b);
    case TraceStage::ac_output: return n.ac(r.a);
    case TraceStage::bridge_learn:
      return fmt::format("vpls {}: {} behind {}", n.bd(r.a), learn_text(r.code), n.member(r.a, r.b));
    case TraceStage::bridge_forward:
      return fmt::format("vpls {}: known unicast to {}", n.bd(r.a), n.member(r.a, r.b));
    case TraceStage::bridge_flood:
      return fmt::format("vpls {}: flood ({})", n.bd(r.a), r.code ? "broadcast/multicast" : "unknown unicast");
    case TraceStage::replicate: return fmt::format("p2mp replication group #{}", r.a);
    case TraceStage::drop:
      return r.code < kDropReasonCount
                 ? fmt::format("{}: {}", kDropReasonNames[r.code], kDropReasonDescriptions[r.code])
                 : "?";
    case TraceStage::tx: return fmt::format("port {}", n.port(r.a));
  }
  return "?";
}

}  // namespace

TelTable trace_table(const std::vector<const Router*>& routers) {
  TelTable t;
  t.table = "trace";
  t.add_columns("stage", {"frame", "router", "stage", "detail", "length", "tsc"});
  struct Row {
    uint32_t frame;
    uint64_t tsc;
    std::vector<std::string> row;
  };
  std::vector<Row> rows;
  const uint32_t first = g_first_shown.load();
  for (auto* r : routers) {
    auto lock = r->observe_lock();
    Namer n{*r, r->state()};
    for (auto& ring : r->trace_records())
      for (auto& rec : ring) {
        if (rec.frame < first) continue;
        if (TraceStage(rec.stage) == TraceStage::nhlfe && (rec.code & kTraceIlmHit))
          rows.push_back({rec.frame, rec.tsc,
                          {"stage", std::to_string(rec.frame), r->name(), "ilm",
                           fmt::format("label {} hit: {}", rec.b, rec.code & kTraceEcmp ? "ecmp" : "forward"),
                           std::to_string(rec.len), std::to_string(rec.tsc)}});
        rows.push_back({rec.frame, rec.tsc,
                        {"stage", std::to_string(rec.frame), r->name(), std::string(to_string(TraceStage(rec.stage))),
                         detail(n, rec), std::to_string(rec.len), std::to_string(rec.tsc)}});
      }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](auto& a, auto& b) { return a.frame != b.frame ? a.frame < b.frame : a.tsc < b.tsc; });
  for (auto& r : rows) t.rows.push_back(std::move(r.row));
  return t;
}

}  // namespace l2vpn::dp
