#!/usr/bin/env python3
"""Python reference for bench/window-analysis.bench.ts: the same per-window features with
numpy/scipy, timed the same way (CPU time of this process, median of rounds).

Computes, per 8192-sample window at 25.6 kHz: time features (rms, peak, peak-to-peak, crest,
Pearson kurtosis, skewness), Hann amplitude/power spectra, velocity RMS 10-1000 Hz, band
energies, dominant line, 1X/2X/3X, the fast kurtogram over the same 1/3-binary tree (band
kurtosis of the decimated complex envelope, median of 8 segments), the squared envelope
spectrum of the chosen band (scipy.signal.welch) and peak-to-floor ratios at the first three
harmonics of the four defect frequencies. The decision logic (claims, margins) is not
reproduced: it is a few microseconds of bookkeeping next to the transforms.

Usage: window_analysis_ref.py --windows 200 --rounds 5 --warmup 10  (prints one JSON object)
"""
import argparse
import json
import time

import numpy as np
from scipy import signal, stats

FS = 25600.0
N = 8192
SHAFT = 25.0
G0 = 9.80665
# 6205-2RS orders (BPFO, BPFI, BSF, FTF)
ORDERS = np.array([3.5848, 5.4152, 2.3567, 0.39828])


def windows(count, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(N) / FS
    out = []
    for i in range(count):
        x = 0.05 * rng.standard_normal(N) + 0.02 * np.sin(2 * np.pi * SHAFT * t + i)
        bpfo = ORDERS[0] * SHAFT
        for t0 in np.arange(rng.random() / bpfo, N / FS, 1 / bpfo):
            k = int(t0 * FS)
            d = t[: N - k]
            x[k:] += 0.2 * np.exp(-250 * d) * np.sin(2 * np.pi * 3000 * d)
        out.append(x.astype(np.float32))
    return out


class Analyzer:
    def __init__(self):
        self.win = signal.get_window("hann", N, fftbins=True)
        self.s1 = self.win.sum()
        self.s2 = (self.win ** 2).sum()
        self.freqs = np.fft.rfftfreq(N, 1 / FS)
        self.vel = np.zeros_like(self.freqs)
        self.vel[1:] = (G0 * 1000 / (2 * np.pi * self.freqs[1:])) ** 2
        self.top = int(FS / 2.56 / (FS / N))
        counts = [1]
        level = 1
        while True:
            added = False
            for c in (3 * 2 ** (level - 1), 2 ** level):
                m = 1 << int(np.ceil(np.log2(np.ceil(self.top / c) + 1)))
                if m * N // N >= 128 and c not in counts:
                    counts.append(c)
                    added = True
            if not added or level > 12:
                break
            level += 1
        self.counts = sorted(counts)

    def analyze(self, x):
        x = x.astype(np.float64)
        mean = x.mean()
        d = x - mean
        rms = np.sqrt(np.mean(d * d))
        f = {
            "rms": rms,
            "peak": np.max(np.abs(d)),
            "peak_to_peak": np.ptp(x),
            "kurtosis": stats.kurtosis(d, fisher=False),
            "skewness": stats.skew(d),
        }
        f["crest_factor"] = f["peak"] / rms
        X = np.fft.rfft(d * self.win)
        power = 2 * np.abs(X) ** 2 / (N * self.s2)
        amp = 2 * np.abs(X) / self.s1
        band = (self.freqs >= 10) & (self.freqs <= 1000)
        f["velocity_rms_mm_s"] = np.sqrt(np.sum(power[band] * self.vel[band]))
        for name, lo, hi in (("low", 10, 1000), ("mid", 1000, 5000), ("high", 5000, 20000)):
            sel = (self.freqs >= lo) & (self.freqs <= hi)
            f["band_" + name] = np.sqrt(power[sel].sum())
        f["dominant_hz"] = self.freqs[1 + np.argmax(amp[1:])]
        for h in (1, 2, 3):
            k = int(round(h * SHAFT / (FS / N)))
            f[f"x{h}"] = np.sqrt(np.sum(power[k - 2 : k + 3] * self.vel[k - 2 : k + 3]))
        # Fast kurtogram on the rectangular spectrum.
        R = np.fft.rfft(d)
        best = (-np.inf, 0, 0)
        for c in self.counts:
            if c > 1 and self.top * FS / N / c < 3 * ORDERS[1] * SHAFT:
                continue
            edges = np.round(np.arange(c + 1) * self.top / c).astype(int)
            edges[0] = max(1, edges[0])
            m = 1 << int(np.ceil(np.log2(np.ceil(self.top / c) + 1)))
            base = np.zeros((c, m), dtype=complex)
            for b in range(c):
                base[b, : edges[b + 1] - edges[b]] = R[edges[b] : edges[b + 1]]
            env = np.abs(np.fft.ifft(base, axis=1)) ** 2
            seg = np.array_split(env, min(8, max(1, m // 64)), axis=1)
            sk = np.median([np.mean(s * s, axis=1) / np.mean(s, axis=1) ** 2 - 2 for s in seg], axis=0)
            b = int(np.argmax(sk))
            if sk[b] > best[0]:
                best = (sk[b], edges[b], edges[b + 1])
        f["spectral_kurtosis"] = best[0]
        lo, hi = best[1], best[2]
        m = min(N, 2 * (1 << int(np.ceil(np.log2(hi - lo + 1)))))
        base = np.zeros(m, dtype=complex)
        base[: hi - lo] = R[lo:hi]
        sq = np.abs(np.fft.ifft(base)) ** 2
        rate = FS * m / N
        nper = 1 << int(np.floor(np.log2(len(sq))))
        fe, ses = signal.welch(sq, fs=rate, window="hann", nperseg=nper, noverlap=nper // 2, detrend="constant")
        floor = signal.medfilt(ses, 9) + 1e-30
        for name, order in zip(("bpfo", "bpfi", "bsf", "ftf"), ORDERS):
            score = 0.0
            for h in (1, 2, 3):
                k = int(round(h * order * SHAFT / (rate / nper)))
                if 2 <= k < len(ses) - 2:
                    score += max(0.0, 10 * np.log10(ses[k - 2 : k + 3].max() / floor[k]))
            f[name + "_score"] = score
        return f


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--windows", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=10)
    a = p.parse_args()
    data = windows(a.windows)
    an = Analyzer()
    for i in range(a.warmup):
        an.analyze(data[i % len(data)])  # warm-up, as many windows as the TypeScript side
    rates = []
    for _ in range(a.rounds):
        c0 = time.process_time()
        for x in data:
            an.analyze(x)
        rates.append(len(data) / (time.process_time() - c0))
    print(json.dumps({"python_windows_per_s_per_core": float(np.median(rates)), "rounds": [round(r, 1) for r in rates], "numpy": np.__version__, "features": sorted(an.analyze(data[0]).keys())}))


if __name__ == "__main__":
    main()
