/**
 * Container resources the platform sets on every workload it configures: CPU and memory requests
 * (what the scheduler reserves; the render's footprint sums them) and a memory limit. No CPU limit
 * by default: throttling a platform service under load hurts more than sharing spare CPU.
 */
export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string; readonly cpu?: string };
}

export function limited(cpu: string, memory: string, memoryLimit: string, cpuLimit?: string): Resources {
    return { requests: { cpu, memory }, limits: { memory: memoryLimit, ...(cpuLimit ? { cpu: cpuLimit } : {}) } };
}
