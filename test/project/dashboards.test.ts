import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../harness";

const DIR = join(PROJECT_DIR, "charts", "dashboards");

/** The datasources the platform Grafana provisions (by uid) and the plugin type each one is. */
const DATASOURCES: Record<string, string> = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    loki: "loki",
    clickhouse: "grafana-clickhouse-datasource",
    deepflow: "deepflowio-deepflow-datasource",
};

interface DatasourceRef {
    type?: string;
    uid?: string;
}
interface Panel {
    id: number;
    type: string;
    title: string;
    datasource?: DatasourceRef;
    targets?: ({ refId: string; datasource?: DatasourceRef } & Record<string, unknown>)[];
}
interface Dashboard {
    uid: string;
    title: string;
    tags: string[];
    editable: boolean;
    panels: Panel[];
    templating: { list: { name: string; datasource?: DatasourceRef }[] };
}

const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
const dashboards = files.map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DIR, file), "utf8")) as Dashboard }));

/** Every datasource reference in a dashboard, named by where it sits. */
function datasourceRefs(d: Dashboard): { at: string; ref: DatasourceRef | undefined }[] {
    return [
        ...d.panels.flatMap((p) => [
            { at: `panel ${p.id} "${p.title}"`, ref: p.datasource },
            ...(p.targets ?? []).filter((t) => t.datasource !== undefined).map((t) => ({ at: `panel ${p.id} target ${t.refId}`, ref: t.datasource })),
        ]),
        ...d.templating.list.filter((v) => v.datasource !== undefined).map((v) => ({ at: `variable ${v.name}`, ref: v.datasource })),
    ];
}

describe("project dashboards", () => {
    it("include the logs, ClickHouse and DeepFlow dashboards", () => {
        expect(files).toEqual(expect.arrayContaining(["logs.json", "clickhouse.json", "deepflow.json"]));
        const byFile = Object.fromEntries(dashboards.map(({ file, dashboard }) => [file, dashboard.uid]));
        expect(byFile).toMatchObject({ "logs.json": "platform-logs", "clickhouse.json": "platform-clickhouse", "deepflow.json": "platform-deepflow" });
    });

    it("have unique uids and titles", () => {
        const uids = dashboards.map(({ dashboard }) => dashboard.uid);
        const titles = dashboards.map(({ dashboard }) => dashboard.title);
        expect(uids.every((u) => typeof u === "string" && u.length > 0)).toBe(true);
        expect(new Set(uids).size).toBe(uids.length);
        expect(new Set(titles).size).toBe(titles.length);
    });

    it.each(files)("%s is read-only, tagged platform, and its panels have unique ids and queries", (file) => {
        const { dashboard } = dashboards.find((d) => d.file === file)!;
        expect(dashboard.editable).toBe(false);
        expect(dashboard.tags).toContain("platform");
        expect(dashboard.panels.length).toBeGreaterThan(0);
        expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
        for (const panel of dashboard.panels) {
            expect({ panel: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({ panel: panel.title, targets: true });
        }
    });

    it.each(files)("%s gives every panel a datasource, and only the provisioned ones", (file) => {
        const { dashboard } = dashboards.find((d) => d.file === file)!;
        for (const panel of dashboard.panels) {
            expect({ panel: panel.title, datasource: panel.datasource !== undefined }).toEqual({ panel: panel.title, datasource: true });
        }
        for (const { at, ref } of datasourceRefs(dashboard)) {
            const uid = ref?.uid ?? "";
            expect({ at, uid, known: uid in DATASOURCES }).toEqual({ at, uid, known: true });
            expect({ at, type: ref?.type }).toEqual({ at, type: DATASOURCES[uid] });
        }
    });
});
