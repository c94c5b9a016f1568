#!/usr/bin/python3
# gst-pollen
# Copyright (C) 2026 gst-pollen contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every documented command, run as a user runs it.

    doc-commands.py EMULATOR SOURCE_ROOT BUILD_ROOT [--list] [WORD ...]

Finds every gst-launch-1.0 and gst-discoverer-1.0 line (with its
backslash continuations) and every invocation of an example program in
README.md, docs/*.md and examples/ (READMEs, and the usage comments of
the scripts and programs), and runs each, one after another, in a
directory of its own against a pollen-emulator started for it. --list
prints what it found and runs nothing; WORDs run only the commands whose
text or place contains one of them. The rules (what is swapped, how a
page states a replacement, what is checked) are in tests/examples/README.md.
"""
import dataclasses
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FINITE_SECONDS = 60  # a command that ends by itself has this long to end
LIVE_SECONDS = 6  # an endless one runs at least this long before its Ctrl-C
LIVE_LIMIT = 20  # and its sinks must get something within this long
STOP_SECONDS = 30  # then it has this long to end
KEY = "sk_doc_commands_5b1e"

LAUNCH = "gst-launch-1.0"
DISCOVERER = "gst-discoverer-1.0"
PYTHONS = ("python3", "/usr/bin/python3")

DISPLAY_SINKS = {
    "autovideosink", "autoaudiosink", "xvimagesink", "ximagesink",
    "glimagesink", "waylandsink", "kmssink", "fbdevsink", "gtksink",
    "gtkglsink", "clutterautovideosink", "pulsesink", "alsasink",
    "pipewiresink", "jackaudiosink", "osssink", "openalsink",
}
PLAYBINS = {"playbin", "playbin3"}
DEVICE_SOURCES = {
    "pulsesrc": "a microphone", "alsasrc": "a microphone",
    "autoaudiosrc": "a microphone", "pipewiresrc": "a microphone or camera",
    "jackaudiosrc": "a microphone", "osssrc": "a microphone",
    "v4l2src": "a camera", "autovideosrc": "a camera",
    "libcamerasrc": "a camera", "ximagesrc": "a screen",
    "decklinkvideosrc": "a capture card",
}
# a note under a block: "Without a microphone, replace `pulsesrc` with
# `filesrc location=speech.wav ! decodebin` and `v4l2src` with `…`."
REPLACE_SENTENCE = re.compile(r"\b[Rr]eplace\b(.*?)(?:\.\s|\.?$)", re.S)
REPLACEMENT = re.compile(r"`([^`]+)`\s+with\s+`([^`]+)`")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z](\.\w+)?$")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
FILE_NAME = re.compile(r"^[\w./%-]+\.[A-Za-z0-9]{2,4}$")
HEXDUMP = re.compile(r"^[0-9a-f]{8} \(0x[0-9a-f]+\): ", re.M)
CHAIN = re.compile(r"GstFakeSink:([\w-]+): last-message = chain")
WARNING = re.compile(r"^WARNING: from element \S*?([\w-]+:[\w-]+): (.*)$",
                     re.M)
# what gst-launch-1.0 prints itself, so that what a sink printed is left
LAUNCH_OWN = re.compile(
    r"Setting pipeline to \w+ \.\.\.|Pipeline is [\w ]+\.\.\.|"
    r"Prerolled, waiting for progress to finish\.\.\.|Progress: \(.*|"
    r"Redistribute latency\.\.\.|New clock: \S+|"
    r"Got EOS from element \"[^\"]*\"\.|Execution ended after [\d:.]+|"
    r"Freeing pipeline \.\.\.|handling interrupt\.|"
    r"Interrupt: Stopping pipeline \.\.\.|EOS on shutdown enabled.*|"
    r"Waiting for EOS\.\.\.|EOS received - stopping pipeline\.\.\.|"
    r"Got context from element.*|Missing element.*|WARNING: .*|"
    r"Additional debug info:.*|/Gst\S+: .*")

# What a written file must be, by its extension: what gst-discoverer-1.0
# finds in it (the playlist is checked as text: its segments are beside it)
FILE_TYPES = {
    "png": r"video\(image\) #\d+: PNG",
    "jpg": r"video\(image\) #\d+: JPEG",
    "wav": r"audio #\d+: WAV",
    "mp3": r"audio #\d+: MPEG-1 Layer 3",
    "ogg": r"container #\d+: Ogg",
    "opus": r"container #\d+: Ogg",
    "mkv": r"container #\d+: Matroska",
    "mp4": r"container #\d+: Quicktime",
    "avi": r"container #\d+: Audio Video Interleave",
    "ts": r"container #\d+: MPEG-2 Transport Stream",
    "srt": r"subtitles #\d+",
}


@dataclasses.dataclass
class Block:
    """Lines that may hold commands, and the prose under them."""
    doc: str
    lines: list  # (line number, text)
    notes: str = ""


@dataclasses.dataclass
class Command:
    """One documented command line, as written and where."""
    doc: str
    line: int
    text: str
    replacements: list
    mkdirs: list

    @property
    def place(self):
        return f"{self.doc}:{self.line}"


@dataclasses.dataclass
class Run:
    """A command prepared to run: what the harness runs and checks."""
    kind: str  # LAUNCH, DISCOVERER or "example"
    argv: list
    env: dict
    inputs: list  # files the user has, made here
    mkdirs: list
    endless: bool = False  # stopped with Ctrl-C after LIVE_SECONDS
    eos: bool = False  # -e: that Ctrl-C must end in EOS
    sinks: list = dataclasses.field(default_factory=list)  # fakesinks watched
    any_sink: bool = False  # one of them getting buffers is enough (playbin)
    dump: bool = False  # fakesink dump=true: a hex dump on stdout
    fdsink: bool = False  # what it prints is the output
    program: str = ""  # the example program run
    problems: list = dataclasses.field(default_factory=list)
    places: list = dataclasses.field(default_factory=list)
    documented: str = ""
    applied: list = dataclasses.field(default_factory=list)

    def key(self):
        return (tuple(self.argv), tuple(sorted(self.env.items())),
                tuple(self.mkdirs))


# ---------------------------------------------------------------- discovery

def documents(root):
    """README.md, docs/*.md, and everything in examples/ that documents."""
    paths = ["README.md"]
    paths += sorted("docs/" + n for n in os.listdir(os.path.join(root, "docs"))
                    if n.endswith(".md"))
    for top, dirs, files in sorted(os.walk(os.path.join(root, "examples"))):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".md", ".sh", ".py", ".c")):
                paths.append(os.path.relpath(os.path.join(top, name), root))
    return paths


def inline_spans(doc, paragraph):
    """The inline code spans of a paragraph ((line number, text) pairs),
    a span broken over two lines joined again."""
    if not paragraph:
        return []
    text = "\n".join(line for _, line in paragraph)
    return [Block(doc, [(paragraph[0][0] + text[:m.start()].count("\n"),
                         m.group(1).replace("\n", " "))])
            for m in re.finditer(r"`([^`]+)`", text)]


class MarkdownReader:
    """Reads a page line by line: its code blocks (fenced, or indented by
    four spaces after a blank line), each with the prose under it up to the
    next block or heading as its notes; and the prose's inline code spans,
    each a block of its own."""

    def __init__(self, doc):
        self.doc = doc
        self.blocks, self.spans, self.paragraph = [], [], []
        self.code = self.fence = self.under = None
        self.previous_blank = True

    def read(self, text):
        for number, line in enumerate(text.split("\n") + [""], 1):
            self.line(number, line)
        self.end_block()
        return self.blocks, self.spans

    def line(self, number, line):
        stripped = line.strip()
        if self.fence:
            self.fenced(number, line, stripped)
        elif stripped.startswith(("```", "~~~")):
            self.end_block()
            self.fence, self.code = stripped[:3], Block(self.doc, [])
        elif self.code and (not stripped or line.startswith("    ")):
            self.code.lines.append((number, line))
        elif line.startswith("    ") and self.previous_blank and stripped:
            self.code = Block(self.doc, [(number, line)])
        else:
            self.prose(number, line, stripped)
        if not stripped or self.code:
            self.spans += inline_spans(self.doc, self.paragraph)
            self.paragraph = []
        self.previous_blank = not stripped

    def fenced(self, number, line, stripped):
        if stripped.startswith(self.fence):
            self.fence = None
            self.end_block()
        else:
            self.code.lines.append((number, line))

    def end_block(self):
        if self.code:
            self.blocks.append(self.code)
            self.under, self.code = self.code, None

    def prose(self, number, line, stripped):
        self.end_block()
        if stripped.startswith("#"):
            self.under = None  # a heading ends the notes of the block above
        elif self.under:
            self.under.notes += line + "\n"
        if stripped:
            self.paragraph.append((number, line))


def comment_blocks(doc, text):
    """The comments of a script or program: its usage lines."""
    blocks, block = [], None
    comment = re.compile(r"^\s*(?:#(?!!)|/?\*+/?)(.*)$")
    for number, line in enumerate(text.split("\n"), 1):
        match = comment.match(line)
        if match:
            block = block or Block(doc, [])
            block.lines.append((number, match.group(1)))
        elif block:
            blocks.append(block)
            block = None
    return blocks + ([block] if block else [])


def joined_lines(block):
    """Lines with their backslash continuations joined."""
    out, start, parts = [], None, []
    for number, line in block.lines:
        start = start or number
        parts.append(line.rstrip())
        if parts[-1].endswith("\\"):
            parts[-1] = parts[-1][:-1]
            continue
        out.append((start, " ".join(p.strip() for p in parts)))
        start, parts = None, []
    if parts:
        out.append((start, " ".join(p.strip() for p in parts)))
    return out


def words(text):
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return None


def split_env(tokens):
    i = 0
    while i < len(tokens) and ENV_ASSIGNMENT.match(tokens[i]):
        i += 1
    return tokens[:i], tokens[i:]


class Finder:
    """Finds the commands in one source tree."""

    def __init__(self, root, build):
        self.root, self.build = root, build

    def example_program(self, token, doc):
        """The file an example invocation runs, or None."""
        if token.startswith("build/"):
            return (os.path.join(self.build, token[len("build/"):])
                    if token.startswith("build/examples/") else None)
        if not token.endswith((".sh", ".py")) and "/" not in token:
            return None
        for base in (self.root, os.path.join(self.root, os.path.dirname(doc))):
            path = os.path.normpath(os.path.join(base, token))
            inside = path.startswith(os.path.join(self.root, "examples") + "/")
            if inside and os.path.isfile(path):
                return path
        return None

    def program_of(self, tokens, doc):
        """What a command line runs: gst-launch-1.0, gst-discoverer-1.0,
        an example program, or None when it is none of these."""
        _, rest = split_env(tokens)
        if not rest:
            return None
        if rest[0] in (LAUNCH, DISCOVERER):
            return rest[0]
        if rest[0] in PYTHONS and len(rest) > 1:
            return self.example_program(rest[1], doc)
        return self.example_program(rest[0], doc)

    def is_command(self, text, tokens, doc, inline):
        if tokens is None:  # unbalanced quotes: only a broken pipeline
            return text.startswith(LAUNCH + " ")
        program = tokens and self.program_of(tokens, doc)
        if not program or not inline:
            return bool(program)
        # in prose, a pipeline fragment or a program named is no command
        bare = len(split_env(tokens)[1]) == 1
        return program not in (LAUNCH, DISCOVERER) and \
            (text.startswith("./") or not bare)

    def commands(self, block, inline):
        """The commands of a block, each with the replacements stated
        under the block and the directories made above it."""
        found, mkdirs = [], []
        replacements = [
            pair for sentence in REPLACE_SENTENCE.findall(block.notes)
            for pair in REPLACEMENT.findall(sentence)]
        for line, text in joined_lines(block):
            text = re.sub(r"^\$ ", "", text.strip())
            tokens = words(text)
            if tokens and tokens[:2] == ["mkdir", "-p"]:
                mkdirs += tokens[2:]
            elif self.is_command(text, tokens, block.doc, inline):
                found.append(Command(block.doc, line, text, replacements,
                                     list(mkdirs)))
        return found

    def find(self):
        found = []
        for doc in documents(self.root):
            with open(os.path.join(self.root, doc), encoding="utf-8") as f:
                text = f.read()
            if doc.endswith(".md"):
                blocks, spans = MarkdownReader(doc).read(text)
            else:
                blocks, spans = comment_blocks(doc, text), []
            here = [c for b in blocks for c in self.commands(b, False)]
            here += [c for b in spans for c in self.commands(b, True)]
            found += sorted(here, key=lambda command: command.line)
        return found

    def programs(self):
        """Every program among the examples: each must be run by a command."""
        out = []
        for top, _, files in os.walk(os.path.join(self.root, "examples")):
            for name in files:
                path = os.path.join(top, name)
                if name.endswith((".sh", ".py")):
                    out.append(path)
                elif name.endswith(".c"):
                    out.append(os.path.join(self.build, "examples",
                                            name[:-2]))
        return sorted(out)


# -------------------------------------------------------------- preparation

def replaced(text, replacements):
    """The text with the stated replacements made, and which were made."""
    applied = []
    for old, new in replacements:
        pattern = r"(?<![\w-])" + re.escape(old) + r"(?![\w-])"
        if re.search(pattern, text):
            text = re.sub(pattern, lambda _: new, text)
            applied.append((old, new))
    return text, applied


PROPERTY = re.compile(r"^[\w-]+=")


def elements(argv):
    """(index, name, [indices of its properties]) of each element of a
    launch line; links, pad references, caps and options are no element."""
    out, current = [], None
    for i, token in enumerate(argv):
        if PROPERTY.match(token):
            if current:
                current[2].append(i)
        elif token == "!" or token.startswith("-") or "." in token \
                or "/" in token or "," in token:
            current = None
        else:
            current = (i, token, [])
            out.append(current)
    return out


def prop(argv, element, name):
    for i in element[2]:
        key, _, value = argv[i].partition("=")
        if key == name:
            return value
    return None


def is_live(argv, parts):
    for element in parts:
        interval = prop(argv, element, "interval") or "0"
        if element[1] == "pollensrc" and not re.match(r"^0*\.?0*$", interval):
            return True
        if prop(argv, element, "is-live") == "true":
            return True
    return any(re.search(r"pollen://[^ ]*[?&]interval=(?!0\b)", t)
               for t in argv)


class Preparer:
    """Turns a documented command into what runs here."""

    def __init__(self, finder):
        self.finder = finder

    def prepare(self, command):
        text, applied = replaced(command.text, command.replacements)
        tokens = words(text) or []
        env_words, argv = split_env(tokens)
        env = dict(w.split("=", 1) for w in env_words)
        for name in ("POLLINATIONS_BASE_URL", "POLLINATIONS_API_KEY",
                     "GST_PLUGIN_PATH"):
            env.pop(name, None)  # the user's own server and build: ours here
        run = Run(kind="", argv=argv, env=env, inputs=[],
                  mkdirs=[self.rooted(d) for d in command.mkdirs],
                  documented=command.text, applied=applied)
        if not tokens:
            run.problems.append("cannot be read as a shell command")
        elif argv[0] == LAUNCH:
            self.prepare_launch(run)
        elif argv[0] == DISCOVERER:
            run.kind = DISCOVERER
        else:
            self.prepare_example(run, command)
        self.find_unrunnable(run, argv)
        return run

    def rooted(self, path):
        """An absolute path of the user's, inside the command's directory."""
        return "root" + path if path.startswith("/") else path

    def find_unrunnable(self, run, argv):
        for token in argv:
            if token in ("...", "…") or "…" in token:
                run.problems.append(f"'{token}' stands for something left "
                                    "out: write the whole command")
            elif PLACEHOLDER.match(token.strip("[]")):
                run.problems.append(f"'{token}' is a placeholder: write an "
                                    "example value")
        for element in (elements(argv) if run.kind == LAUNCH else []):
            if element[1] in DEVICE_SOURCES:
                run.problems.append(
                    f"{element[1]} needs {DEVICE_SOURCES[element[1]]}: say "
                    f"under the block what to replace `{element[1]}` with")

    def prepare_launch(self, run):
        run.kind = LAUNCH
        argv = run.argv
        run.eos = any(t in ("-e", "--eos-on-shutdown") for t in argv)
        parts = elements(argv)
        live = is_live(argv, parts)
        run.endless = run.eos or live
        starts = {e[0]: e for e in parts}
        owners = {i: e for e in parts for i in e[2]}
        out = []
        for i, token in enumerate(argv):
            element, owner = starts.get(i), owners.get(i)
            if element and element[1] in DISPLAY_SINKS:
                out += self.fake_sink(run, live, prop(argv, element, "name"),
                                      prop(argv, element, "sync"))
            elif not (owner and owner[1] in DISPLAY_SINKS):
                out.append(self.located(run, owner, token))
                if element:
                    out += self.sink_extras(run, live, element, argv)
        if run.sinks:
            out.insert(1, "-v")  # prints what reaches each watched sink
        run.argv = out

    def located(self, run, owner, token):
        """A file property, its absolute path inside the command's
        directory; what filesrc reads is a file the user has, and so is
        what a playbin's file:// URI names."""
        key, _, value = token.partition("=")
        if owner and owner[1] in PLAYBINS and key in ("uri", "suburi") and \
                value.startswith("file:///"):
            path = self.rooted(value[len("file://"):])
            run.inputs.append(path)
            return f"{key}=file://{WORK_DIR}/{path}"
        if not owner or key not in ("location", "playlist-location"):
            return token
        if owner[1] == "filesrc":
            run.inputs.append(self.rooted(value))
        return f"{key}={self.rooted(value)}"

    def sink_extras(self, run, live, element, argv):
        if element[1] in PLAYBINS:
            return self.playbin_sinks(run, live, element, argv)
        if element[1] == "fdsink":
            run.fdsink = True
        elif element[1] == "fakesink":
            if prop(argv, element, "dump") != "true":
                return self.watched(run, element, argv)
            run.dump = True
        return []

    def fake_sink(self, run, live, name, sync=None):
        """A display or sound sink swapped for a fakesink, synchronised
        where the pipeline is live, as the sink it stands for would be,
        unless the command says its sync."""
        name = name or f"docsink{len(run.sinks)}"
        run.sinks.append(name)
        sync = sync or str(live).lower()
        return ["fakesink", f"name={name}", f"sync={sync}", "silent=false"]

    def watched(self, run, element, argv):
        """A documented plain fakesink: watched for buffers too."""
        name = prop(argv, element, "name")
        extra = ["silent=false"]
        if not name:
            name = f"docsink{len(run.sinks)}"
            extra.append(f"name={name}")
        run.sinks.append(name)
        return extra

    def playbin_sinks(self, run, live, element, argv):
        extra = []
        run.any_sink = True
        for kind in ("video", "audio"):
            if prop(argv, element, f"{kind}-sink") is None:
                name = f"doc{kind}sink"
                run.sinks.append(name)
                extra.append(f"{kind}-sink=fakesink name={name} "
                             f"sync={str(live).lower()} silent=false")
        return extra

    def prepare_example(self, run, command):
        run.kind = "example"
        argv = [t.strip("[]") for t in run.argv]
        argv = [t for t in argv if t]
        first = 1 if argv[0] in PYTHONS else 0
        program = self.finder.example_program(argv[first], command.doc)
        run.program = program
        if "/" not in argv[first]:
            run.problems.append(f"'{argv[first]}' is not found by a shell: "
                                f"write ./{argv[first]}")
        argv[first] = program
        files = [t for t in argv[first + 1:] if FILE_NAME.match(t)]
        run.inputs = files[:-1]  # inputs first, the file written last
        run.argv = argv


# ------------------------------------------------------------------ running

# the files a user has, by extension, made from {speech} (espeak-ng's)
FIXTURES = {
    "ogg": "filesrc location={speech} ! wavparse ! audioconvert ! vorbisenc "
           "! oggmux ! filesink location={out}",
    "mp3": "filesrc location={speech} ! wavparse ! audioconvert ! lamemp3enc "
           "! filesink location={out}",
    "mp4": "videotestsrc num-buffers=125 ! video/x-raw,width=320,height=240,"
           "framerate=25/1 ! openh264enc ! h264parse ! mp4mux "
           "! filesink location={out}",
}
SPEECH = ("<speak>Good morning everybody. <break time=\"800ms\"/> Thank you "
          "for coming to the meeting today. <break time=\"800ms\"/> "
          "Let us begin.</speak>")


class Fixtures:
    """The files a user has (a recording, subtitles, a clip), made once
    by extension, and copied where a command reads them."""

    def __init__(self, root, cache):
        self.root, self.cache = root, cache
        self.speech = os.path.join(cache, "speech.wav")

    def make(self, extension, out):
        if extension == "srt":
            shutil.copy(os.path.join(self.root, "examples", "subtitles",
                                     "talk.srt"), out)
            return True
        if extension not in FIXTURES and extension != "wav":
            return False
        if not os.path.exists(self.speech):
            quiet(["espeak-ng", "-m", "-w", self.speech, SPEECH])
        if extension == "wav":
            shutil.copy(self.speech, out)
        else:
            pipeline = FIXTURES[extension].format(speech=self.speech, out=out)
            quiet([LAUNCH, "-q"] + pipeline.split())
        return True

    def place(self, name, directory):
        extension = name.rsplit(".", 1)[-1]
        cached = os.path.join(self.cache, "fixture." + extension)
        if not os.path.exists(cached) and not self.make(extension, cached):
            return False
        target = os.path.join(directory, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(cached, target)
        return True


def quiet(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


class Emulator:
    """A pollen-emulator for one command."""

    def __init__(self, program, directory):
        self.program, self.directory = program, directory

    def __enter__(self):
        url_file = os.path.join(self.directory, "emulator-url")
        self.output = open(url_file, "w")
        self.process = subprocess.Popen([self.program], stdout=self.output,
                                        stderr=subprocess.DEVNULL)
        for _ in range(100):
            with open(url_file) as f:
                url = f.readline().strip()
            if url:
                return url
            time.sleep(0.1)
        raise RuntimeError(f"{self.program} printed no URL")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait()
        self.output.close()


def files_in(directory):
    out = {}
    for top, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(top, name)
            out[path] = os.stat(path).st_mtime_ns
    return out


def missing_output(run, output):
    """What the command should have shown by now and has not."""
    got = set(CHAIN.findall(output))
    missing = [sink for sink in run.sinks if sink not in got]
    if run.any_sink and len(missing) < len(run.sinks):
        missing = []
    missing = [f"no buffer reached {sink}" for sink in missing]
    if run.dump and not HEXDUMP.search(output):
        missing.append("fakesink dump=true printed no buffer")
    return missing


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def interrupt(process, run, log):
    """Ctrl-C, as a user presses it once the pipeline shows its output:
    after LIVE_SECONDS, or as soon as its sinks got something after that,
    at most LIVE_LIMIT."""
    start = time.monotonic()
    while process.poll() is None:
        elapsed = time.monotonic() - start
        if elapsed >= LIVE_LIMIT or (elapsed >= LIVE_SECONDS and
                                     not missing_output(run, read(log))):
            os.killpg(process.pid, signal.SIGINT)
            return True
        time.sleep(0.25)
    return False


def stop(process, run, log):
    """Waits for the command as a user does (its output going to the file
    log); returns what went wrong."""
    interrupted = run.endless and interrupt(process, run, log)
    limit = STOP_SECONDS if interrupted else FINITE_SECONDS
    try:
        process.wait(limit)
        return None
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        after = "after its Ctrl-C " if interrupted else ""
        return f"did not end within {limit} s {after}(killed)"


# where a command runs, in a file:// URI: known once it runs
WORK_DIR = "@work@"


class Runner:
    def __init__(self, emulator, fixtures, base_env):
        self.emulator, self.fixtures, self.base_env = (emulator, fixtures,
                                                       base_env)

    def run(self, run):
        """Runs one command in a directory of its own (cwd/ under a fresh
        one that also holds its log); returns what it printed."""
        with tempfile.TemporaryDirectory(prefix="doc-command-") as base:
            work = os.path.join(base, "cwd")
            os.mkdir(work)
            for directory in run.mkdirs:
                os.makedirs(os.path.join(work, directory), exist_ok=True)
            for name in run.inputs:
                if not os.path.exists(os.path.join(work, name)) and \
                        not self.fixtures.place(name, work):
                    run.problems.append(f"reads {name}, which this harness "
                                        "cannot make: use a file it makes "
                                        "or examples/ has")
            if run.problems:
                return ""
            return self.run_in(run, base, work)

    def run_in(self, run, base, work):
        log_path = os.path.join(base, "log")
        with Emulator(self.emulator, base) as url, open(log_path, "w") as log:
            env = dict(self.base_env, POLLINATIONS_BASE_URL=url,
                       POLLINATIONS_API_KEY=KEY, **run.env)
            before = files_in(work)
            argv = [token.replace(WORK_DIR, work) for token in run.argv]
            try:
                process = subprocess.Popen(
                    argv, cwd=work, env=env, stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True)
            except OSError as error:
                run.problems.append(f"cannot be run: {error.strerror}")
                return ""
            problem = stop(process, run, log_path)
        output = read(log_path)
        if problem:
            run.problems.append(problem)
        else:
            run.problems += check_end(run, process.returncode, output)
        written = {p: t for p, t in files_in(work).items()
                   if before.get(p) != t}
        run.problems += check_output(run, output, written, work)
        return output


# ------------------------------------------------------------------- checks

def check_end(run, status, output):
    problems = []
    if status != 0:
        problems.append(f"exit status {status}")
    if run.kind == LAUNCH and status == 0:
        ended = "Got EOS from element" in output
        if (not run.endless or run.eos) and not ended:
            problems.append("ended without EOS")
    if run.kind == DISCOVERER and "Done discovering" not in output:
        problems.append("gst-discoverer-1.0 did not finish discovering")
    if KEY in output:
        problems.append("printed the API key")
    return problems


def check_output(run, output, written, work):
    """What the command made: files of the right type, buffers at its
    sinks, what it printed."""
    problems = []
    for path in sorted(written):
        problem = check_file(path)
        if problem:
            problems.append(f"{os.path.relpath(path, work)}: {problem}")
    problems += missing_output(run, output)
    if run.fdsink and not LAUNCH_OWN.sub("", output).strip():
        problems.append("fdsink printed nothing")
    made = written or run.sinks or run.dump or run.fdsink or \
        run.kind == DISCOVERER
    if not made:
        problems.append("made nothing this harness can check (no file, no "
                        "sink it watches)")
    return problems


def check_file(path):
    if os.path.getsize(path) == 0:
        return "empty"
    extension = path.rsplit(".", 1)[-1].lower()
    text_starts = {"m3u8": ("#EXTM3U", "no playlist"),
                   "vtt": ("WEBVTT", "no WebVTT")}
    if extension in text_starts:
        start, problem = text_starts[extension]
        with open(path, errors="replace") as f:
            return None if f.read().startswith(start) else problem
    if extension == "txt":  # a transcript: any UTF-8 text
        with open(path, "rb") as f:
            try:
                f.read().decode("utf-8")
            except UnicodeDecodeError:
                return "no UTF-8 text"
        return None
    expected = FILE_TYPES.get(extension)
    if not expected:
        return f"no known type for .{extension}: add it to FILE_TYPES"
    result = subprocess.run([DISCOVERER, path], capture_output=True,
                            text=True, timeout=60)
    if not re.search(expected, result.stdout):
        streams = [line.strip() for line in result.stdout.split("\n")
                   if "#" in line] or result.stdout.strip().split("\n")[-3:]
        return ("not what its name says (gst-discoverer-1.0: " +
                "; ".join(streams + [result.stderr.strip()]).strip("; ") + ")")
    return None


# ------------------------------------------------------------------ reports

def shown(output, limit=40):
    """The output, without -v's caps and buffer lines, at most limit lines."""
    lines = output.rstrip("\n").split("\n")
    kept = [line for line in lines if not re.match(r"^/Gst\S+: ", line)]
    text = kept[-limit:]
    left = len(lines) - len(text)
    head = [f"({left} lines left out: -v caps and buffers, or earlier)"] \
        if left else []
    return "\n".join("    " + line for line in head + text)


def report(run, seconds, output):
    status = "FAIL" if run.problems else "ok"
    print(f"{status} {', '.join(run.places)} ({seconds:.1f} s)")
    if not run.problems:
        for element, text in sorted(set(WARNING.findall(output))):
            print(f"  warning from {element}: {text[:160]}")
        return
    print(f"  documented: {run.documented}")
    for old, new in run.applied:
        print(f"  replaced as stated under the block: `{old}` -> `{new}`")
    print(f"  ran: {shlex.join(run.argv)}")
    for problem in run.problems:
        print(f"  problem: {problem}")
    if output:
        print("  output:\n" + shown(output))
    sys.stdout.flush()


def summary(runs, elapsed):
    """How many commands ran, and per file how many of its documented
    lines passed."""
    failed = [r for r in runs if r.problems]
    per_doc = {}
    for run in runs:
        for place in run.places:
            counts = per_doc.setdefault(place.rsplit(":", 1)[0], [0, 0])
            counts[0] += 1
            counts[1] += bool(run.problems)
    print(f"\n{len(runs)} commands ({sum(c[0] for c in per_doc.values())} "
          f"documented lines), {len(failed)} failed, {elapsed:.0f} s")
    for doc, (found, bad) in sorted(per_doc.items()):
        print(f"  {doc}: {found} found, {found - bad} pass, {bad} fail")


# --------------------------------------------------------------------- main

def gathered(commands, preparer):
    """The prepared runs, one per distinct command, with all its places."""
    runs = {}
    for command in commands:
        run = preparer.prepare(command)
        run = runs.setdefault(run.key(), run)
        run.places.append(command.place)
    return list(runs.values())


def unrun_programs(finder, runs):
    ran = {r.program for r in runs}
    return [p for p in finder.programs() if p not in ran]


def main(argv):
    emulator, root, build = argv[1:4]
    options = argv[4:]
    listing = "--list" in options
    wanted = [w for w in options if w != "--list"]
    finder = Finder(os.path.realpath(root), os.path.realpath(build))
    commands = finder.find()
    with tempfile.TemporaryDirectory(prefix="doc-commands-") as cache:
        runs = gathered(commands, Preparer(finder))
        missing = unrun_programs(finder, runs)
        if wanted:
            runs = [r for r in runs if any(w in r.documented or
                                           w in " ".join(r.places)
                                           for w in wanted)]
        if listing:
            for run in runs:
                print(f"{', '.join(run.places)}\n  {shlex.join(run.argv)}")
            return 0
        runner = Runner(os.path.realpath(emulator),
                        Fixtures(finder.root, cache), dict(os.environ))
        start = time.monotonic()
        for run in runs:
            began = time.monotonic()
            output = runner.run(run)
            report(run, time.monotonic() - began, output)
        for program in missing:
            print(f"FAIL {os.path.relpath(program, finder.root)}: no "
                  "documented command runs this example")
        summary(runs, time.monotonic() - start)
    return 1 if missing or any(r.problems for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
