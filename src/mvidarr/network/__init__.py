"""The outbound-network policy: every URL a user (or a provider answer) names is checked here before
MVidarr connects to it, whether the fetch is ours (artwork, image proxy, import lists) or yt-dlp's
(sources, monitors), so a URL cannot reach into the network MVidarr runs in."""
