#!/bin/sh
# Runs one example or recipe as a user would, against a pollen-emulator
# started here, and checks what it made.
#
#   run-example.sh EMULATOR SOURCE_ROOT NAME [PROGRAM]
set -eu
emulator=$(realpath "$1")
root=$2
name=$3
program=${4:+$(realpath "$4")}

work=$(mktemp -d)
url_file="$work/url"
"$emulator" > "$url_file" &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$url_file" ] && break; sleep 0.1; done
POLLINATIONS_BASE_URL=$(head -n 1 "$url_file")
export POLLINATIONS_BASE_URL POLLINATIONS_API_KEY=sk_example_key_1234
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_wav() { [ "$(head -c 4 "$1")" = RIFF ]; }
# About 10 s of tone bursts ("speech") at 16 kHz into the WAV file $1.
make_ticks () {
  gst-launch-1.0 -q audiotestsrc wave=ticks tick-interval=1000000000 \
    sine-periods-per-tick=300 num-buffers=100 samplesperbuffer=1600 \
    ! audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location="$1"
}
# In gst-launch-1.0's output: every "Waiting for the server" (a progress
# START or CONTINUE, code request) is followed by an end (COMPLETE, ERROR,
# CANCELED: any other text of that code), and "waiting for progress to
# finish" is printed only while one is open.
progress_balanced () {
  awk '/Progress: \(request\) Waiting for the server/ { open = 1; next }
       /Progress: \(request\)/ { if (!open) bad = 1; open = 0; next }
       /waiting for progress to finish/ { if (!open) bad = 1 }
       END { exit open || bad }' "$1"
}

# An application shows the picture it wrote, and on a refused key the
# error's details, without the key.
check_app () {
  "$@" "a red fox in the snow" fox.png > out.txt 2> err.txt ||
    fail "$name: $(cat err.txt)"
  is_png fox.png || fail "$name wrote no PNG"
  grep -q "wrote fox.png" out.txt || fail "$name did not say what it wrote"
  if POLLINATIONS_API_KEY=not_a_key_5678 "$@" "x" bad.png > out.txt 2> err.txt
  then fail "$name succeeded with a bad key"; fi
  grep -q "http-status-code=401" err.txt || fail "$name: no details: $(cat err.txt)"
  ! grep -q not_a_key_5678 out.txt err.txt || fail "$name printed the key"
}

case "$name" in
  c) check_app "$program" ;;
  python) check_app /usr/bin/python3 "$root/examples/python/generate.py" ;;
  subtitles)
    "$root/examples/subtitles/run.sh" "$root/examples/subtitles/talk.srt" \
      "$work/talk.wav" > out.txt
    is_wav talk.wav || fail "no WAV"
    [ "$(stat -c %s talk.wav)" -gt 100000 ] || fail "talk.wav is too short"
    # pollentts's own audio, sample for sample: each speech on its cue
    grep -- '-->' "$root/examples/subtitles/talk.srt" | cut -c1-12 > cues.txt
    /usr/bin/python3 "$root/tests/examples/onsets.py" talk.wav cues.txt 0.005 ||
      fail "speech off its cues in talk.wav" ;;
  transcribe)
    gst-launch-1.0 -q audiotestsrc wave=ticks tick-interval=1000000000 \
      sine-periods-per-tick=300 num-buffers=60 samplesperbuffer=1600 \
      ! audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location=in.wav
    # with a key: the server it is given
    "$root/examples/transcribe-to-srt/transcribe-to-srt.sh" in.wav out.srt en \
      > out.txt
    ! grep -q "bundled emulator" out.txt || fail "started an emulator: $(cat out.txt)"
    [ "$(grep -c -- '-->' out.srt)" -ge 3 ] || fail "out.srt: $(cat out.srt)"
    # without one: the bundled emulator, said so, as the other examples do
    env -u POLLINATIONS_API_KEY -u POLLINATIONS_BASE_URL POLLEN_EMULATOR="$emulator" \
      "$root/examples/transcribe-to-srt/transcribe-to-srt.sh" in.wav own.srt en \
      > out.txt || fail "without a key: $(cat out.txt)"
    grep -q "bundled emulator" out.txt || fail "no emulator started: $(cat out.txt)"
    [ "$(grep -c -- '-->' own.srt)" -ge 3 ] || fail "own.srt: $(cat own.srt)" ;;
  muxer)
    # pollenstt beside its own audio into one file: the audio branch's queue
    # holds a whole chunk (the rule in docs/pollenstt.md)
    gst-launch-1.0 -q audiotestsrc wave=ticks tick-interval=1000000000 \
      sine-periods-per-tick=300 num-buffers=200 samplesperbuffer=1600 \
      ! audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location=in.wav
    timeout 60 gst-launch-1.0 -q filesrc location=in.wav ! decodebin \
      ! audioconvert ! audioresample ! tee name=t \
      t. ! queue max-size-time=6000000000 max-size-buffers=0 max-size-bytes=0 \
      ! opusenc ! matroskamux name=mux ! filesink location=out.mkv \
      t. ! queue ! pollenstt chunk-duration=5000 ! queue ! mux.subtitle_0 ||
      fail "the muxer pipeline did not end"
    gst-discoverer-1.0 out.mkv > info.txt
    grep -q "subtitles" info.txt || fail "out.mkv has no subtitles: $(cat info.txt)"
    ;;
  voiceover)
    # pollentts beside a video branch into mp4mux, default queues: the file
    # ends, and each speech starts on its cue in the muxed audio, late by
    # no more than AAC's encoder delay (one or two frames of 1024 samples,
    # as the muxer trims it or not); pollentts's own WAV is exact (above).
    # Decoded with faad: avdec_aac (gstreamer1.0-libav, ranked above it)
    # also plays the encoder's priming frame.
    timeout 60 gst-launch-1.0 -q filesrc location="$root/examples/subtitles/talk.srt" \
      ! subparse ! pollentts ! audioconvert ! audioresample ! voaacenc \
      ! queue ! mp4mux name=mux ! filesink location=out.mp4 \
      videotestsrc num-buffers=350 ! video/x-raw,width=320,height=240,framerate=25/1 \
      ! openh264enc ! h264parse ! queue ! mux. > log.txt 2>&1 ||
      fail "the mp4mux pipeline did not end: $(cat log.txt)"
    gst-launch-1.0 -q filesrc location=out.mp4 ! qtdemux ! aacparse ! faad ! audioconvert \
      ! audio/x-raw,format=S16LE,channels=1 ! wavenc ! filesink location=audio.wav
    grep -- '-->' "$root/examples/subtitles/talk.srt" | cut -c1-12 > cues.txt
    /usr/bin/python3 "$root/tests/examples/onsets.py" audio.wav cues.txt \
      0.005 2048 || fail "speech off its cues in out.mp4"
    ;;
  dvbsub)
    # docs/recipes.md, DVB subtitles in an MPEG transport stream
    make_ticks in.wav
    timeout 60 gst-launch-1.0 -q filesrc location=in.wav ! decodebin ! audioconvert \
      ! audioresample ! tee name=t \
      t. ! queue max-size-time=6000000000 max-size-buffers=0 max-size-bytes=0 \
         ! voaacenc ! aacparse ! mpegtsmux name=mux ! filesink location=talk.ts \
      t. ! queue ! pollenstt language-code=en ! textrender font-desc="Sans 24" \
         ! video/x-raw,width=720,height=576 ! dvbsubenc ! mux. ||
      fail "the DVB pipeline did not end"
    gst-discoverer-1.0 talk.ts > info.txt
    grep -q "subtitles.*DVB subtitles" info.txt ||
      fail "talk.ts has no DVB subtitles: $(cat info.txt)"
    grep -q "audio.*AAC" info.txt || fail "talk.ts has no audio: $(cat info.txt)"
    ;;
  hls-webvtt)
    # docs/recipes.md, WebVTT subtitles with HLS, then played over HTTP
    make_ticks talk.wav
    mkdir -p hls
    timeout 60 gst-launch-1.0 -q filesrc location=talk.wav ! decodebin ! audioconvert \
      ! audioresample ! tee name=t \
      t. ! queue max-size-time=6000000000 max-size-buffers=0 max-size-bytes=0 \
         ! voaacenc ! aacparse ! hlssink2 target-duration=4 \
           playlist-location=hls/audio.m3u8 location=hls/audio-%05d.ts \
      t. ! queue ! pollenstt language-code=en ! webvttenc ! filesink location=hls/talk.vtt ||
      fail "the HLS pipeline did not end"
    sed -i '1a X-TIMESTAMP-MAP=MPEGTS:324000000,LOCAL:00:00:00.000' hls/talk.vtt
    length=$(awk -F'[:,]' '/^#EXTINF/ { s += $2 } END { print s }' hls/audio.m3u8)
    printf '#EXTM3U\n#EXT-X-TARGETDURATION:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:%s,\ntalk.vtt\n#EXT-X-ENDLIST\n' \
      "$(printf '%.0f' "$length")" "$length" > hls/subtitles.m3u8
    printf '%s\n' '#EXTM3U' \
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="subtitles.m3u8"' \
      '#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2",SUBTITLES="subs"' \
      'audio.m3u8' > hls/master.m3u8
    gst-discoverer-1.0 hls/talk.vtt > info.txt
    grep -q "subtitles.*WebVTT" info.txt || fail "talk.vtt: $(cat info.txt)"
    [ "$(grep -c -- '-->' hls/talk.vtt)" -ge 3 ] || fail "talk.vtt: $(cat hls/talk.vtt)"
    # hlsdemux2 reads HLS over HTTP only: a server on 127.0.0.1
    /usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory hls > http.txt 2>&1 &
    http_pid=$!
    trap 'kill $emulator_pid $http_pid 2>/dev/null || true; rm -rf "$work"' EXIT
    for _ in $(seq 100); do grep -q "port" http.txt && break; sleep 0.1; done
    port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' http.txt)
    timeout 60 gst-launch-1.0 -q playbin3 uri="http://127.0.0.1:$port/master.m3u8" \
      audio-sink=fakesink video-sink=fakesink text-sink="filesink location=seen.txt" ||
      fail "master.m3u8 did not play"
    grep -q "Placeholder transcript" seen.txt ||
      fail "no subtitles came out of the HLS stream: $(cat seen.txt)"
    ;;
  progress)
    # gst-launch-1.0 itself against a server that takes 3 s an answer: the
    # filters post GstProgress while their output waits for it, and every
    # START ends, so the prerolled pipeline goes to PLAYING and the run
    # ends; also when the request fails
    "$emulator" --generation-ms 3000 > slow_url &
    slow_pid=$!
    trap 'kill $emulator_pid $slow_pid 2>/dev/null || true; rm -rf "$work"' EXIT
    for _ in $(seq 100); do [ -s slow_url ] && break; sleep 0.1; done
    export POLLINATIONS_BASE_URL="$(head -n 1 slow_url)"
    gst-launch-1.0 -q audiotestsrc wave=ticks tick-interval=1000000000 \
      sine-periods-per-tick=300 num-buffers=100 samplesperbuffer=1600 \
      ! audio/x-raw,rate=16000,channels=1 ! wavenc ! filesink location=in.wav
    timeout 120 gst-launch-1.0 filesrc location="$root/examples/subtitles/talk.srt" \
      ! subparse ! pollentts ! wavenc ! filesink location=tts.wav > tts.txt 2>&1 ||
      fail "the pollentts pipeline did not end: $(cat tts.txt)"
    timeout 120 gst-launch-1.0 filesrc location=in.wav ! decodebin ! audioconvert \
      ! audioresample ! pollenstt ! srtenc ! filesink location=out.srt > stt.txt 2>&1 ||
      fail "the pollenstt pipeline did not end: $(cat stt.txt)"
    if POLLINATIONS_API_KEY=not_a_key_5678 timeout 120 gst-launch-1.0 \
      filesrc location="$root/examples/subtitles/talk.srt" ! subparse \
      ! pollentts ! fakesink > bad.txt 2>&1
    then fail "pollentts succeeded with a bad key"; fi
    grep -q "401 Unauthorized" bad.txt || fail "no 401: $(cat bad.txt)"
    for log in tts.txt stt.txt bad.txt; do
      progress_balanced "$log" || fail "$log: a progress START not ended: $(cat "$log")"
    done
    for log in tts.txt stt.txt; do
      grep -q "Progress: (request) Waiting for the server" "$log" ||
        fail "$log: no progress while waiting 3 s: $(cat "$log")"
      grep -q "Setting pipeline to PLAYING" "$log" || fail "$log: never PLAYING"
    done
    [ "$(grep -c -- '-->' out.srt)" -ge 3 ] || fail "out.srt: $(cat out.srt)"
    is_wav tts.wav || fail "no tts.wav"
    ;;
  realtime)
    # the one-element interpreter from its own espeak-ng input (a second of
    # silence, then two sentences), fed at the speed it was spoken: nothing
    # is answered before the speaker spoke, the WAV holds whole replies
    # (1.5 s of tone each from the emulator, interrupt=false) and the
    # transcript their words
    "$root/examples/realtime-interpreter/run.sh" > out.txt ||
      fail "realtime: $(cat out.txt)"
    is_wav interpreted.wav || fail "no interpreted.wav"
    /usr/bin/python3 - interpreted.wav interpreted.txt <<'PY' ||
import array, sys, wave
with wave.open(sys.argv[1]) as w:
    rate = w.getframerate()
    samples = array.array('h', w.readframes(w.getnframes()))
step = rate // 100
loud = [i for i in range(0, len(samples), step)
        if max(abs(s) for s in samples[i:i + step]) > 500]
seconds = len(loud) / 100
assert loud and loud[0] / rate >= 1.0, "answered before the speech"
assert seconds >= 1.5 and abs(seconds / 1.5 - round(seconds / 1.5)) < 0.07, \
    f"{seconds:.2f} s of replies: not whole 1.5 s replies"
assert len(open(sys.argv[2]).read().split()) >= 3, "no transcript"
PY
      fail "interpreted.wav or its transcript: $(cat interpreted.txt)" ;;
  ges)
    /usr/bin/python3 "$root/examples/python/ges-slideshow.py" out.mkv \
      "a red fox" "a blue whale" > out.txt
    gst-discoverer-1.0 out.mkv > info.txt
    grep -Eq "Duration: 0:00:0(3\.99|4\.00)" info.txt ||
      fail "out.mkv: $(cat info.txt)"
    ;;
  *) fail "unknown example $name" ;;
esac
echo "$name: ok"
