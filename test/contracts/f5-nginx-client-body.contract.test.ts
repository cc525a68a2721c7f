/**
 * Contract: where the F5 NGINX Ingress Controller (nginx/kubernetes-ingress v5.5.4, chart
 * nginx-ingress 2.6.4) keeps an image layer pushed through it (issue 22 item 12).
 *
 * - No controller template, ConfigMap key or annotation sets `proxy_request_buffering`
 *   (internal/configs/version1/nginx.ingress.tmpl, version2/nginx.virtualserver.tmpl and their Plus
 *   twins, configmaps.go, annotations.go at v5.5.4: the directive appears nowhere in the repository),
 *   so nginx's default applies: it reads the whole request body before proxying, and a body larger
 *   than client_body_buffer_size goes to a file under client_body_temp_path.
 * - No template sets `client_body_temp_path` either, so the compiled-in path applies. The image
 *   installs nginx from nginx.org's packages (build/Dockerfile@v5.5.4, NGINX_OSS_VERSION 1.31.3),
 *   built with `--http-client-body-temp-path=/var/cache/nginx/client_temp`
 *   (nginx/pkg-oss@1.29.8-1, the newest tag stored here, debian/Makefile and alpine/Makefile
 *   BASE_CONFIGURE_ARGS; also at 1.25.0-1).
 * - The chart appends `controller.volumes` to the pod and `controller.volumeMounts` to the controller
 *   container, and renders `controller.resources` as the container's resources
 *   (charts/nginx-ingress/templates/_helpers.tpl volumeEntries/volumeMountEntries,
 *   controller-daemonset.yaml and controller-deployment.yaml).
 * - Harbor's Ingress lifts the body limit (`nginx.org/client-max-body-size: "0"`), so the temp space
 *   is what bounds a push.
 */
import type { RecordedResource } from "../../offline/mocks";
import { CHARTS } from "../../charts/versions";
import { evaluateStack } from "../harness";
import { stackConfigs } from "./stacks";

const CLIENT_BODY_TEMP_PATH = "/var/cache/nginx/client_temp";

interface ControllerValues {
    readonly readOnlyRootFilesystem?: boolean;
    readonly securityContext?: { readOnlyRootFilesystem?: boolean };
    readonly resources: { requests: Record<string, string> };
    readonly volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
    readonly volumeMounts?: { name: string; mountPath: string }[];
}

function controllerValues(resources: readonly RecordedResource[]): ControllerValues {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "nginx-ingress")!;
    return (release.inputs.values as { controller: ControllerValues }).controller;
}

describe("F5 NIC buffers a pushed layer on disk before Harbor sees it", () => {
    it("reads the pinned chart the facts come from", () => {
        expect(CHARTS.nginxIngress).toMatchObject({ chart: "nginx-ingress", version: "2.6.4" });
    });

    it.each(
        stackConfigs()
            .filter(([, c]) => c.ingress.enabled)
            .map(([stack]) => [stack]),
    )("%s: the client body temp path is an emptyDir with the configured size limit, requested as ephemeral storage", async (stack) => {
        const config = stackConfigs().find(([s]) => s === stack)![1];
        const controller = controllerValues((await evaluateStack(stack)).resources);
        const mount = (controller.volumeMounts ?? []).find((m) => m.mountPath === CLIENT_BODY_TEMP_PATH);
        expect(mount).toBeDefined();
        const volume = (controller.volumes ?? []).find((v) => v.name === mount!.name);
        expect(volume).toEqual({ name: mount!.name, emptyDir: { sizeLimit: config.ingress.clientBodyTempSize } });
        expect(controller.resources.requests["ephemeral-storage"]).toBe(config.ingress.clientBodyTempSize);
        // With a read-only root the chart mounts its own emptyDir, without a size limit, at /var/cache/nginx.
        expect(controller.readOnlyRootFilesystem === true || controller.securityContext?.readOnlyRootFilesystem === true).toBe(false);
    });

    it("prod: Harbor's Ingress takes layers of any size, so the temp space is the limit", async () => {
        const { resources } = await evaluateStack("prod");
        const harbor = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "harbor")!;
        const annotations = (harbor.inputs.values as { expose: { ingress: { annotations: Record<string, string> } } }).expose.ingress.annotations;
        expect(annotations["nginx.org/client-max-body-size"]).toBe("0");
        // The default (platform:ingress.clientBodyTempSize), sized in docs/sizing.md.
        expect(controllerValues(resources).resources.requests["ephemeral-storage"]).toBe("10Gi");
    });
});
