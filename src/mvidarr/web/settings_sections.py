"""The sections of the settings pages, as data: each has its own page (`/settings/<slug>`), shows
the runtime settings whose keys start with its prefixes, and includes the parts (templates) that
edit other things (root folders, schedules, users). A new section is one more entry in SECTIONS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SettingsSection:
    slug: str
    title: str
    summary: str
    prefixes: tuple[str, ...] = ()
    """Runtime settings shown in the section's form: keys starting with one of these."""
    parts: tuple[str, ...] = ()
    """Templates under `templates/settings/` included above the form, in order."""
    skip: tuple[str, ...] = ()
    """Keys of the prefixes that a part edits itself."""
    admin_only: bool = True
    link: str | None = None
    """A page elsewhere that holds the rest of the section (quality profiles, system)."""
    link_text: str = ""
    catch_all: bool = False
    """Also shows every setting no other section claims (so none is ever unreachable)."""

    @property
    def href(self) -> str:
        """Where the navigation goes: a section with nothing of its own here is its page elsewhere."""
        if self.link and not self.prefixes and not self.parts and not self.catch_all:
            return self.link
        return f"/settings/{self.slug}"

    def claims(self, key: str) -> bool:
        return key.startswith(self.prefixes) and key not in self.skip if self.prefixes else False


SECTIONS: list[SettingsSection] = [
    SettingsSection(
        "general",
        "General",
        "Theme, job history, network access and metrics.",
        prefixes=("ui.", "jobs.", "network.", "metrics."),
        catch_all=True,
    ),
    SettingsSection(
        "library",
        "Library & naming",
        "Root folders, scans, the naming template and organising files.",
        prefixes=("library.",),
        parts=("_roots.html", "_naming.html"),
        skip=("library.naming_template",),
        admin_only=False,
    ),
    SettingsSection(
        "quality",
        "Quality profiles",
        "Which profile applies when an artist has none; the profiles are edited on the Quality page.",
        prefixes=("quality.",),
        link="/quality",
        link_text="Edit quality profiles",
    ),
    SettingsSection(
        "providers",
        "Providers",
        "Metadata providers (keys, rate limits, tests) and how their answers are matched and merged.",
        prefixes=("providers.", "metadata."),
        parts=("_providers.html",),
    ),
    SettingsSection(
        "downloads",
        "Downloads",
        "How many downloads run, bandwidth, subtitles, upgrades and yt-dlp cookies.",
        prefixes=("downloads.",),
        parts=("_cookies.html",),
    ),
    SettingsSection(
        "discovery",
        "Discovery & monitors",
        "What discovery accepts, how often it looks, and channel and playlist monitors.",
        prefixes=("discovery.",),
        parts=("_monitors.html",),
        admin_only=False,
    ),
    SettingsSection(
        "imports",
        "Import lists",
        "Artists to follow from Lidarr, Last.fm or Spotify, synced on a schedule.",
        prefixes=("imports.",),
        parts=("_import_lists.html",),
        admin_only=False,
    ),
    SettingsSection(
        "users", "Users & API keys", "Accounts, roles and every user's API keys.", parts=("_users.html", "_keys.html")
    ),
    SettingsSection(
        "signin",
        "Sign-in",
        "Single sign-on providers (OpenID Connect), password sign-in and reverse-proxy sign-in.",
        prefixes=("auth.",),
        parts=("_sso.html",),
    ),
    SettingsSection(
        "notifications",
        "Notifications & connections",
        "Webhooks, Apprise and scripts on events; Jellyfin, Plex and Kodi told about new files.",
        admin_only=False,
        link="/connect",
        link_text="Open Connect",
    ),
    SettingsSection(
        "schedules", "Schedules", "Periodic jobs: how often they run, run one now.", parts=("_schedules.html",)
    ),
    SettingsSection(
        "backups",
        "Backups",
        "Scheduled backups: the passphrase, how many are kept; backups are made and restored on the System page.",
        prefixes=("backups.",),
        link="/system#backups",
        link_text="Make or restore a backup",
    ),
    SettingsSection("system", "System", "Health, jobs, logs and backups.", link="/system", link_text="Open System"),
]


def find(slug: str) -> SettingsSection | None:
    return next((section for section in SECTIONS if section.slug == slug), None)


def visible(is_admin: bool) -> list[SettingsSection]:
    return [section for section in SECTIONS if is_admin or not section.admin_only]


def keys_of(section: SettingsSection, keys: Iterable[str]) -> list[str]:
    """The settings keys a section's form shows, in the given order."""
    claimed = [s for s in SECTIONS if s.prefixes]
    shown = []
    for key in keys:
        if section.claims(key) or (section.catch_all and not any(s.claims(key) or key in s.skip for s in claimed)):
            shown.append(key)
    return shown
