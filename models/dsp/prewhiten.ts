/**
 * Cepstral pre-whitening (CPW; Sawalhi & Randall 2011, Borghesani, Pennacchi, Randall, Sawalhi &
 * Ricci 2013): the real cepstrum of the signal set to zero except at quefrency zero, which is the
 * same as dividing its spectrum by its own magnitude, X(f) / |X(f)|. Every discrete line (shaft
 * harmonics, electrical and structural lines, a rig's own tones) and every resonance's shaping is
 * flattened to one level, while the phases stay; what remains impulsive in the time signal is what
 * repeats with varying phase, the bearing's impacts. Its envelope spectrum is the benchmark
 * method beside the kurtogram-band envelope in Smith & Randall's CWRU study (2015): it needs no
 * band choice and is not misled by the machine's lines.
 */

/**
 * Whitens an interleaved complex one-sided spectrum (re, im per bin, as RealFft writes it) in
 * place: each bin divided by its magnitude. Bins of zero magnitude (DC removed, zero padding's
 * exact nulls) stay zero: there is no phase to keep.
 */
export function prewhitenSpectrum(spectrum: Float64Array): void {
  for (let k = 0; k + 1 < spectrum.length; k += 2) {
    const re = spectrum[k];
    const im = spectrum[k + 1];
    const m = Math.sqrt(re * re + im * im);
    if (m > 0) {
      spectrum[k] = re / m;
      spectrum[k + 1] = im / m;
    }
  }
}
