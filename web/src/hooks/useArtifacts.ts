// Data of the artifact pages (TanStack Query): collections, versions, one version
// with its manifest, its lineage, a run's artifacts, the registry, file previews.
import { useQuery } from "@tanstack/react-query";
import {
  artifactFileUrl,
  getArtifactLineage,
  getArtifactUsers,
  getArtifactVersion,
  listArtifactCollections,
  listArtifactVersions,
  listRegistry,
  listRegistryVersions,
  listRunArtifacts,
} from "../api/client";
import { PREVIEW_BYTES, imageMime } from "../lib/artifacts";

export function useArtifactCollections(entity: string, project: string) {
  return useQuery({
    queryKey: ["artifact-collections", entity, project],
    queryFn: ({ signal }) => listArtifactCollections(entity, project, signal),
    refetchInterval: 10_000,
  });
}

export function useArtifactVersions(entity: string, project: string, name: string | null) {
  return useQuery({
    queryKey: ["artifact-versions", entity, project, name],
    queryFn: ({ signal }) => listArtifactVersions(entity, project, name ?? "", signal),
    enabled: name !== null,
  });
}

export function useArtifactVersion(entity: string, project: string, name: string, version: string) {
  return useQuery({
    queryKey: ["artifact-version", entity, project, name, version],
    queryFn: ({ signal }) => getArtifactVersion(entity, project, name, version, signal),
  });
}

export function useArtifactUsers(entity: string, project: string, name: string, version: string) {
  return useQuery({
    queryKey: ["artifact-users", entity, project, name, version],
    queryFn: ({ signal }) => getArtifactUsers(entity, project, name, version, signal),
  });
}

export function useArtifactLineage(entity: string, project: string, name: string, version: string, hops: number) {
  return useQuery({
    queryKey: ["artifact-lineage", entity, project, name, version, hops],
    queryFn: ({ signal }) => getArtifactLineage(entity, project, name, version, hops, signal),
  });
}

export function useRunArtifacts(entity: string, project: string, runId: string, direction: "logged" | "used") {
  return useQuery({
    queryKey: ["run-artifacts", entity, project, runId, direction],
    queryFn: ({ signal }) => listRunArtifacts(entity, project, runId, direction, signal),
  });
}

export function useRegistry(entity: string) {
  return useQuery({ queryKey: ["registry", entity], queryFn: ({ signal }) => listRegistry(entity, signal) });
}

export function useRegistryVersions(entity: string, collection: string | null) {
  return useQuery({
    queryKey: ["registry-versions", entity, collection],
    queryFn: ({ signal }) => listRegistryVersions(entity, collection ?? "", signal),
    enabled: collection !== null,
  });
}

/** The first PREVIEW_BYTES of a file as text; `cut` when the file is longer. */
async function readHead(url: string, signal: AbortSignal): Promise<{ text: string; cut: boolean }> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const reader = response.body?.getReader();
  if (!reader) return { text: "", cut: false };
  const chunks: Uint8Array[] = [];
  let total = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    if (total >= PREVIEW_BYTES) {
      cut = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(total, PREVIEW_BYTES));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  return { text: new TextDecoder("utf-8", { fatal: false }).decode(bytes), cut };
}

export interface FileRef {
  entity: string;
  project: string;
  name: string;
  version: string;
  path: string;
}

export function useFileHead(file: FileRef, enabled: boolean) {
  const url = artifactFileUrl(file.entity, file.project, file.name, file.version, file.path);
  return useQuery({
    queryKey: ["artifact-file-head", url],
    queryFn: ({ signal }) => readHead(url, signal),
    enabled,
    staleTime: Infinity,
  });
}

/** An object URL of an image file, typed from its name (the server sends octet-stream). */
export function useImageUrl(file: FileRef, enabled: boolean) {
  const url = artifactFileUrl(file.entity, file.project, file.name, file.version, file.path);
  return useQuery({
    queryKey: ["artifact-file-image", url],
    queryFn: async ({ signal }) => {
      const response = await fetch(url, { signal });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const blob = new Blob([await response.arrayBuffer()], { type: imageMime(file.path) });
      return URL.createObjectURL(blob);
    },
    enabled,
    staleTime: Infinity,
    gcTime: 60_000,
  });
}
