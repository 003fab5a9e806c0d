"""Downloads: the `files` inputs of real-data mode (config/roadmap.yaml) into resources/, and
the published DeepChrome archive (config/dc2.yaml), whose configured cells are then unpacked.

The bigWigs a sample sheet gives by URL go to download.dir as {cell}-{mark}.bigwig; with the
{cell}-{mark} pattern shorthand, download.bigwig_url is fetched into the files.bigwig pattern.

Each URL is an input through Snakemake's HTTP storage plugin: a missing file (HTTP 404) stops the
run before any job starts, and a newer upstream file triggers a new download. The job fetches it
with the plugin, with retries, a size check, gunzip and a checksum record or check
(deepchrome2.download). Downloads run on the submitting machine (localrules): compute nodes often
have no internet.
"""

# One rule per download, none without `download:` or `deepchrome_csv.archive`: download_bigwig,
# download_rpkm and download_gtf fetch the `files` inputs; download_deepchrome_archive fetches
# the published DeepChrome archive (config/dc2.yaml), one tarball of every cell's CSV split.
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
            checksums=dl.checksums,
            retries=dl.retries,
            backoff=dl.backoff,
            expected=dl.expected,
        script:
            "../workflow_scripts/download.py"


# The archive's configured cells, unpacked into deepchrome_csv.root.
if SOURCE == "deepchrome_csv" and "archive" in config["deepchrome_csv"]:
    ARCHIVE = config["deepchrome_csv"]["archive"]

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
