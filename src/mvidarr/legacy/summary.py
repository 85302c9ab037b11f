"""The import's report as plain text, for the terminal."""

from __future__ import annotations

from mvidarr.legacy.schemas import LegacyReport

OUTCOMES = ("imported", "linked", "merged", "unchanged", "updated", "skipped")


def render(report: LegacyReport) -> str:
    head = "DRY RUN: nothing was changed. " if report.dry_run else ""
    lines = [
        f"{head}MVidarr 0.9.7 database {report.source} (server {report.server_version}), {report.elapsed_s:.1f} s",
        "",
        f"{'kind':<18}{'rows':>7}" + "".join(f"{o:>11}" for o in OUTCOMES) + "  lands as",
    ]
    for kind, entry in report.kinds.items():
        counts = "".join(f"{getattr(entry, o):>11}" for o in OUTCOMES)
        lines.append(f"{kind:<18}{entry.total:>7}{counts}  {entry.maps_to}")
    for kind, entry in report.kinds.items():
        if entry.reasons:
            lines.append("")
            lines.append(f"{kind}:")
            lines += [f"  {n:>6} x {reason}" for reason, n in sorted(entry.reasons.items(), key=lambda r: -r[1])]
    if report.files_not_found_total:
        lines += ["", f"files not where 0.9.7 said ({report.files_not_found_total}):"]
        lines += [f"  #{p.video_legacy_id} {p.legacy_path}: {p.problem}" for p in report.files_not_found[:50]]
        if report.files_not_found_total > 50:
            lines.append(f"  … and {report.files_not_found_total - 50} more (--json lists up to 500)")
    if report.users_to_set_password:
        lines += [
            "",
            "users without a password (an admin resets each one's; they choose their own at first sign-in): "
            + ", ".join(report.users_to_set_password),
        ]
    if report.missing_tables:
        lines += ["", "tables this 0.9.7 install lacks (read as empty): " + ", ".join(report.missing_tables)]
    if report.queued_jobs and not report.dry_run:
        jobs = ", ".join(f"#{j}" for j in report.queued_jobs)
        lines += [
            "",
            f"queued for the server's workers (jobs {jobs}): scans of the root folders with linked files "
            f"({len(report.root_folders_to_scan)}), then the thumbnail fetch ({report.thumbnails_to_fetch} pictures); "
            "they run when MVidarr is running",
        ]
    return "\n".join(lines)
