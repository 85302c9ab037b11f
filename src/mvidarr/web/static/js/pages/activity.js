// Activity: the queue updates live, finished jobs move into the history; cancel and retry.
import { liveJobs } from "../jobs.js";
import { startShell } from "../shell.js";

const live = startShell();
liveJobs(live, document.getElementById("job-queue"), document.getElementById("job-history"));
