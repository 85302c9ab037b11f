// Dashboard: totals and recent videos are rendered by the server; running jobs update live; the
// user's videos left part way ("continue watching") come from their watch history.
import { continueWatching } from "../continue.js";
import { liveJobs } from "../jobs.js";
import { startShell } from "../shell.js";

const live = startShell();
liveJobs(live, document.getElementById("job-queue"));
continueWatching(document.getElementById("continue-watching"));
