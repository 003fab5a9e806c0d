"""Real-data mode: download the `files` inputs (config/roadmap.yaml) into resources/.

The bigWigs a sample sheet gives by URL go to download.dir as {cell}-{mark}.bigwig; with the
{cell}-{mark} pattern shorthand, download.bigwig_url is fetched into the files.bigwig pattern.

Each URL is an input through Snakemake's HTTP storage plugin: a missing file (HTTP 404) stops the
run before any job starts, and a newer upstream file triggers a new download. The job fetches it
with the plugin, with retries, a size check, gunzip and a checksum record or check
(deepchrome2.download). Downloads run on the submitting machine (localrules): compute nodes often
have no internet.
"""

DOWNLOAD = config.get("download", {})

# One rule per download (download_bigwig, download_rpkm, download_gtf), none without `download:`.
for dl in DATA.downloads():

    rule:
        name:
            f"download_{dl.name}"
        input:
            dl.input(storage.http),
        output:
            dl.path,
        log:
            dl.log,
        localrule: True
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=500,
        params:
            checksums=DOWNLOAD["checksums"],
            retries=DOWNLOAD["retries"],
            backoff=DOWNLOAD["backoff"],
        script:
            "../workflow_scripts/download.py"


# The published DeepChrome archive (config/dc2.yaml): one tarball of every cell's CSV split,
# downloaded like the files above, then the configured cells unpacked into deepchrome_csv.root.
if SOURCE == "deepchrome_csv" and "archive" in config["deepchrome_csv"]:
    ARCHIVE = config["deepchrome_csv"]["archive"]

    localrules:
        download_deepchrome_archive,

    rule download_deepchrome_archive:
        input:
            storage.http(ARCHIVE["url"], retrieve=False),
        output:
            ARCHIVE["path"],
        log:
            "logs/download/deepchrome_archive.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=500,
        params:
            checksums=ARCHIVE["checksums"],
            retries=ARCHIVE["retries"],
            backoff=ARCHIVE["backoff"],
            expected=ARCHIVE.get("checksum") or "",
        script:
            "../workflow_scripts/download.py"

    rule unpack_deepchrome_archive:
        input:
            ARCHIVE["path"],
        output:
            expand(
                "{root}/{cell}/classification/{split}.csv",
                root=config["deepchrome_csv"]["root"],
                cell=CELLS,
                split=SPLITS,
            ),
        log:
            "logs/download/unpack_deepchrome_archive.log",
        conda:
            "../envs/deepchrome2.yaml"
        threads: 1
        resources:
            mem_mb=1000,
        params:
            cells=CELLS,
        script:
            "../workflow_scripts/unpack_deepchrome_archive.py"
