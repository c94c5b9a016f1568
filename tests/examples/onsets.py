#!/usr/bin/python3
"""Checks that speech in a WAV file starts on its cues.

    onsets.py AUDIO.wav CUES.txt TOLERANCE [DELAY_SAMPLES]

CUES.txt holds one HH:MM:SS,mmm start time a line (the start column of an
SRT file). An onset is sound after at least 300 ms of silence; there must
be one onset a cue, each within TOLERANCE seconds of its cue, and besides
that up to DELAY_SAMPLES samples (at the file's rate) late: the delay an
encoder adds, which a container may or may not trim (AAC: one or two
frames of 1024 samples), a count of samples, not a time a machine takes.
"""
import array
import sys
import wave

STEP = 0.005  # seconds a block
SILENCE_BEFORE = 0.3
LOUD = 500  # of 32767


def onsets(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate = w.getframerate()
        samples = array.array('h', w.readframes(w.getnframes()))
    block = int(rate * STEP)
    found, quiet = [], SILENCE_BEFORE
    for start in range(0, len(samples), block):
        loud = max(abs(s) for s in samples[start:start + block]) > LOUD
        if loud and quiet >= SILENCE_BEFORE:
            first = next(i for i in range(start, start + block)
                         if abs(samples[i]) > LOUD)
            found.append(first / rate)
        quiet = 0 if loud else quiet + STEP
    return found, rate


def cue_seconds(line):
    hms, ms = line.strip().split(',')
    h, m, s = (int(x) for x in hms.split(':'))
    return h * 3600 + m * 60 + s + int(ms) / 1000


def main():
    path, cues_path, tolerance = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delay_samples = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with open(cues_path) as f:
        cues = [cue_seconds(line) for line in f if line.strip()]
    found, rate = onsets(path)
    late_limit = tolerance + delay_samples / rate
    print('cues:  ', ' '.join('%.3f' % c for c in cues))
    print('onsets:', ' '.join('%.3f' % o for o in found))
    if len(found) != len(cues):
        sys.exit('%d onsets for %d cues' % (len(found), len(cues)))
    off = [(c, o) for c, o in zip(cues, found)
           if o < c - tolerance or o > c + late_limit]
    if off:
        sys.exit('off by more than %g s early or %g s late: %s'
                 % (tolerance, late_limit, off))


main()
