import { longestGapMinutes } from "../../scripts/lib/verify/cron";

describe("longestGapMinutes (how old the newest etcd snapshot may be)", () => {
    it.each([
        ["0 */6 * * *", 6 * 60], // prod default
        ["0 */12 * * *", 12 * 60], // dev default
        ["0 2 * * *", 24 * 60],
        ["*/5 * * * *", 5],
        ["0 0,18 * * *", 18 * 60],
        ["30 3 * * sun", 7 * 24 * 60],
        ["0 0 1 * *", 31 * 24 * 60],
        ["0 0 1,15 * 1", 7 * 24 * 60], // day-of-month OR day-of-week: at most a week apart
    ])("%s -> %d minutes", (schedule, minutes) => {
        expect(longestGapMinutes(schedule)).toBe(minutes);
    });

    it("names the field that is out of range", () => {
        expect(() => longestGapMinutes("0 25 * * *")).toThrow("cron hour: '25' is out of range 0-23");
    });
});
