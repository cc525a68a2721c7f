/**
 * The longest gap between two runs of a five-field cron schedule, so "the newest etcd snapshot is
 * younger than the schedule allows" has a number. Supports `*`, lists, ranges, steps and month/day
 * names; day-of-month and day-of-week combine with OR when both are restricted (cron's rule).
 */
const NAMES: Record<string, number> = {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
    sun: 0,
    mon: 1,
    tue: 2,
    wed: 3,
    thu: 4,
    fri: 5,
    sat: 6,
};

function field(text: string, min: number, max: number, what: string): { values: Set<number>; star: boolean } {
    const values = new Set<number>();
    const num = (s: string) => {
        const n = NAMES[s.toLowerCase()] ?? Number(s);
        if (!Number.isInteger(n) || n < min || n > (max === 6 ? 7 : max)) throw new Error(`cron ${what}: '${s}' is out of range ${min}-${max}`);
        return max === 6 && n === 7 ? 0 : n;
    };
    for (const part of text.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) throw new Error(`cron ${what}: bad step in '${part}'`);
        let lo: number;
        let hi: number;
        if (range === "*" || range === "?") {
            [lo, hi] = [min, max];
        } else if (range.includes("-")) {
            const [a, b] = range.split("-");
            [lo, hi] = [num(a), num(b)];
        } else {
            lo = num(range);
            hi = stepText === undefined ? lo : max;
        }
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return { values, star: text === "*" || text === "?" };
}

/** Longest interval between consecutive runs, in minutes (scans a leap-year-spanning 400 days, UTC). */
export function longestGapMinutes(schedule: string): number {
    const parts = schedule.trim().split(/\s+/);
    if (parts.length !== 5) throw new Error(`expected a five-field cron expression, got '${schedule}'`);
    const [minute, hour, dom, month, dow] = [
        field(parts[0], 0, 59, "minute"),
        field(parts[1], 0, 23, "hour"),
        field(parts[2], 1, 31, "day of month"),
        field(parts[3], 1, 12, "month"),
        field(parts[4], 0, 6, "day of week"),
    ];
    const dayMatches = (d: Date) => {
        const byDom = dom.values.has(d.getUTCDate());
        const byDow = dow.values.has(d.getUTCDay());
        if (dom.star || dow.star) return (dom.star || byDom) && (dow.star || byDow);
        return byDom || byDow;
    };
    const start = Date.UTC(2024, 0, 1);
    let previous: number | undefined;
    let longest = 0;
    for (let day = 0; day < 400; day++) {
        const date = new Date(start + day * 86_400_000);
        if (!month.values.has(date.getUTCMonth() + 1) || !dayMatches(date)) continue;
        for (const h of [...hour.values].sort((a, b) => a - b)) {
            for (const m of [...minute.values].sort((a, b) => a - b)) {
                const at = day * 1440 + h * 60 + m;
                if (previous !== undefined) longest = Math.max(longest, at - previous);
                previous = at;
            }
        }
    }
    if (previous === undefined) throw new Error(`cron '${schedule}' never runs`);
    return longest;
}
