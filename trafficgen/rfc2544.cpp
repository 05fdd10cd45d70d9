#include "trafficgen/rfc2544.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace l2vpn::tg {

TrialRecord record_of(const std::string& phase, const TrialResult& r, double pdr_tolerance) {
  TrialRecord t;
  t.phase = phase;
  t.rate_pps = r.request.rate_pps;
  t.frames = r.request.frames;
  t.offered_pps = r.offered_pps;
  t.tx = r.analysis.tx;
  t.rx = r.analysis.rx;
  t.lost = r.analysis.lost;
  t.loss_ratio = r.loss_ratio();
  t.ndr_pass = !r.generator_limited && r.analysis.lost == 0 && r.analysis.tx > 0;
  t.pdr_pass = !r.generator_limited && r.analysis.tx > 0 && t.loss_ratio <= pdr_tolerance;
  return t;
}

namespace {

struct Interval {
  double floor = 0, ceiling = 0;
  double lo = 0, hi = 0;  // lo passes (or is the floor), hi fails (or is the ceiling, untested)
  bool hi_tested = false;
  RateBound bound;
  bool converged(double res) const { return hi_tested && hi - lo <= res * hi; }
  void pass(double rate, const TrialResult& r) {
    if (rate >= hi && hi_tested && rate < ceiling) {
      // Passes above a rate that failed: that failure was noise; reopen.
      hi = ceiling;
      hi_tested = false;
      bound.upper_pps = 0;
      bound.upper_tester_limited = false;
    }
    if (rate > lo) {
      lo = rate;
      bound.rate_pps = rate;
      bound.at_rate = r;
    }
    if (rate >= ceiling) hi_tested = true;  // nothing above to look for
  }
  void fail(double rate, const TrialResult& r) {
    if (rate <= lo) {
      // Fails at or below a rate that passed: that pass was noise.
      lo = floor;
      bound.rate_pps = 0;
      bound.at_rate = {};
    }
    if (rate <= hi || !hi_tested) {
      hi = rate;
      hi_tested = true;
      bound.upper_pps = rate;
      bound.upper_tester_limited = r.generator_limited && r.analysis.lost == 0;
    }
  }
};

}  // namespace

SearchResult search_ndr_pdr(const TrialFn& trial, const SearchConfig& cfg) {
  SearchResult res;
  Interval ndr;
  ndr.floor = ndr.lo = cfg.min_rate_pps;
  ndr.ceiling = ndr.hi = cfg.max_rate_pps;
  Interval pdr = ndr;
  for (unsigned i = 0; i < cfg.max_trials; ++i) {
    double rate;
    if (!ndr.hi_tested) rate = cfg.max_rate_pps;  // first: the ceiling itself
    else if (!ndr.converged(cfg.resolution)) rate = (ndr.lo + ndr.hi) / 2;
    else if (!pdr.converged(cfg.resolution)) rate = (std::max(pdr.lo, ndr.lo) + pdr.hi) / 2;
    else break;
    if (rate <= cfg.min_rate_pps) break;
    TrialResult r = trial({rate, cfg.trial_seconds, 0});
    TrialRecord rec = record_of("ndr/pdr", r, cfg.pdr_tolerance);
    for (unsigned k = 0; k < cfg.fail_retries && !rec.ndr_pass && !r.generator_limited; ++k) {
      res.trials.push_back(rec);
      if (cfg.progress) cfg.progress(rec, "failed: run again (--fail-retries)");
      TrialResult again = trial({rate, cfg.trial_seconds, 0});
      TrialRecord rec2 = record_of("ndr/pdr", again, cfg.pdr_tolerance);
      if (cfg.progress) cfg.progress(rec2, "the retry");
      // The better of the two decides (a stall hit one of them).
      if (rec2.ndr_pass || (!rec.pdr_pass && rec2.pdr_pass) ||
          (rec2.pdr_pass == rec.pdr_pass && rec2.loss_ratio < rec.loss_ratio)) {
        r = again;
        rec = rec2;
      }
    }
    res.trials.push_back(rec);
    if (rec.ndr_pass) ndr.pass(rate, r);
    else ndr.fail(rate, r);
    if (rec.pdr_pass) pdr.pass(rate, r);
    else pdr.fail(rate, r);
    if (cfg.progress)
      cfg.progress(rec, fmt::format("NDR in [{:.3f}, {:.3f}] Mpps, PDR in [{:.3f}, {:.3f}] Mpps",
                                    ndr.lo / 1e6, ndr.hi / 1e6, std::max(pdr.lo, ndr.lo) / 1e6,
                                    pdr.hi / 1e6));
  }
  res.ndr = ndr.bound;
  res.pdr = pdr.bound;
  // Every NDR pass is a PDR pass.
  if (res.pdr.rate_pps < res.ndr.rate_pps) res.pdr = res.ndr;
  return res;
}

std::vector<LossStep> frame_loss_steps(const TrialFn& trial, double max_rate, double seconds,
                                       unsigned steps, const ProgressFn& progress,
                                       std::vector<TrialRecord>* trials) {
  std::vector<LossStep> out;
  unsigned clean = 0;
  for (unsigned i = 0; i < steps && i < 10 && clean < 2; ++i) {
    const double load = 1.0 - 0.1 * i;
    TrialResult r = trial({max_rate * load, seconds, 0});
    out.push_back({load, max_rate * load, r.offered_pps, r.loss_ratio()});
    clean = r.analysis.lost == 0 ? clean + 1 : 0;
    auto rec = record_of("loss", r, 0);
    if (trials) trials->push_back(rec);
    if (progress) progress(rec, fmt::format("load {:.0f} %: loss {:.4f} %", load * 100, r.loss_ratio() * 100));
  }
  return out;
}

double BackToBack::mean() const {
  if (frames.empty()) return 0;
  double s = 0;
  for (auto f : frames) s += double(f);
  return s / double(frames.size());
}

BackToBack back_to_back(const TrialFn& trial, double rate_pps, uint64_t max_frames,
                        unsigned repetitions, const ProgressFn& progress,
                        std::vector<TrialRecord>* trials) {
  BackToBack out;
  for (unsigned rep = 0; rep < repetitions; ++rep) {
    uint64_t lo = 0, hi = max_frames + 1;  // lo passes, hi fails
    uint64_t len = max_frames;
    while (hi - lo > 1 && hi - lo > lo / 100) {
      TrialResult r = trial({rate_pps, 0, len});
      bool ok = r.analysis.lost == 0 && r.analysis.tx == len;
      if (ok) lo = len;
      else hi = len;
      auto rec = record_of("b2b", r, 0);
      if (trials) trials->push_back(rec);
      if (progress)
        progress(rec, fmt::format("burst of {} frames: {}; longest clean in [{}, {})", len,
                                  ok ? "no loss" : "loss", lo, hi));
      len = (lo + hi) / 2;
    }
    out.frames.push_back(lo);
  }
  return out;
}

}  // namespace l2vpn::tg
