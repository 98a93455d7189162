import { HttpFailure } from '../http/index.js';
import { apiModelName, type IndexModel, type Library, type LibraryRoot, type RootIndex } from '../library/index.js';
import { ReloadingLibrary } from './reloading-library.js';
import type { SearchableLibrary } from './server-options.js';

/** What the video routes need of a library, beside its search. */
export type VideoLibrary = Pick<Library, 'listVideos' | 'getVideo' | 'updateVideoMetadata' | 'removeVideo'>;
export type ServedLibrary = SearchableLibrary & Partial<VideoLibrary>;

/** An index as the API describes it. */
export interface IndexView {
  id: string;
  name: string;
  models: IndexModel[];
  addons: string[];
  createdAt: string;
  updatedAt: string;
  videoCount: number;
  totalDuration: number;
}

/** The indexes a server answers for: one library (`--lib`) or every library of a root (`--root`). */
export interface IndexSource {
  /** Several indexes: page tokens then say which one they page. */
  readonly several: boolean;
  library(id: string): Promise<ServedLibrary>;
  list(): Promise<IndexView[]>;
  view(id: string): Promise<IndexView>;
  create(body: Record<string, unknown>): Promise<IndexView>;
  rename(id: string, name: unknown): Promise<void>;
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

export function indexNotExists(id: string, hint: string): HttpFailure {
  return new HttpFailure(400, 'index_not_exists', `The index ${JSON.stringify(id)} does not exist. ${hint}`);
}

function oneLibraryOnly(what: string): HttpFailure {
  return new HttpFailure(
    400,
    'parameter_invalid',
    `This server serves one library (vsearch serve --lib), so it cannot ${what}; serve a folder of libraries with vsearch serve --root to manage indexes.`,
  );
}

/** `--lib`: the one library is the one index; indexes cannot be created, renamed or deleted. */
export function singleLibrarySource(library: ServedLibrary): IndexSource {
  const hint = `This server searches one library, index_id ${library.manifest.id} (as vsearch stats shows).`;
  const view = (): IndexView => {
    const manifest = library.manifest;
    let totalDuration = 0;
    for (const video of Object.values(manifest.videos)) totalDuration += video.durationSec;
    const model =
      manifest.model === null ? [] : [{ model_name: apiModelName(manifest.model), model_options: ['visual', 'audio'] }];
    return {
      id: manifest.id,
      name: manifest.id,
      models: model,
      addons: [],
      createdAt: manifest.createdAt,
      updatedAt: manifest.updatedAt,
      videoCount: manifest.counts.videos,
      totalDuration,
    };
  };
  const check = (id: string): void => {
    if (id !== library.manifest.id) throw indexNotExists(id, hint);
  };
  return {
    several: false,
    library: async (id) => {
      check(id);
      return library;
    },
    list: async () => [view()],
    view: async (id) => {
      check(id);
      return view();
    },
    create: () => Promise.reject(oneLibraryOnly('create an index')),
    rename: () => Promise.reject(oneLibraryOnly('rename an index')),
    remove: () => Promise.reject(oneLibraryOnly('delete an index')),
    close: async () => undefined,
  };
}

function viewOf(index: RootIndex): IndexView {
  const { info } = index;
  return {
    id: index.id,
    name: info.index_name,
    models: info.models,
    addons: info.addons,
    createdAt: info.created_at,
    updatedAt: info.updated_at,
    videoCount: index.videoCount,
    totalDuration: index.totalDuration,
  };
}

/** `--root`: every library under the folder, each opened (and followed) when first asked for. */
export function rootSource(root: LibraryRoot): IndexSource {
  const open = new Map<string, Promise<ReloadingLibrary>>();
  const hint = `List the indexes (GET /v1.3/indexes) for the ids under ${root.dir}.`;
  const find = async (id: string): Promise<RootIndex> => {
    const found = (await root.indexes()).find((index) => index.id === id);
    if (found === undefined) throw indexNotExists(id, hint);
    return found;
  };
  return {
    several: true,
    async library(id) {
      let opening = open.get(id);
      if (opening === undefined) {
        const index = await find(id);
        opening = ReloadingLibrary.open(() => root.openLibrary(index));
        opening.catch(() => open.delete(id));
        open.set(id, opening);
      }
      return opening;
    },
    list: async () => (await root.indexes()).map(viewOf),
    view: async (id) => viewOf(await find(id)),
    create: async (body) =>
      viewOf(await root.create({ name: body['index_name'], models: body['models'], addons: body['addons'] })),
    async rename(id, name) {
      await find(id);
      await root.rename(id, name);
    },
    async remove(id) {
      await find(id);
      const opening = open.get(id);
      open.delete(id);
      if (opening !== undefined) await (await opening).close();
      await root.remove(id);
    },
    async close() {
      const libraries = await Promise.allSettled([...open.values()]);
      open.clear();
      for (const result of libraries) if (result.status === 'fulfilled') await result.value.close();
    },
  };
}
