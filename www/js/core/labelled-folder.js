// A labelled folder of pictures (one folder per class) as a list of files with class indices. Pure:
// paths in, class indices out; no DOM (ui/folder-input.js reads and decodes the files;
// tests/js/labelled-folder.test.mjs).
//
//   const { files, classes, skipped } = labelFiles(paths, { labels: summary.labels, classCount: 10 });
//   // files: [{index, path, folder, label}] (index: position in `paths`), sorted by path
//   const mine = labelFiles(paths, { define: true });     // the folders ARE the classes
//
// The class of a file is the name of the folder it is in: "pictures/cat/1.jpg" is a "cat". Files
// directly in the picked folder, hidden files and folders (".DS_Store", "__MACOSX") and files
// that are not pictures by their extension are skipped and reported, each with its reason.
//
// Against a model's classes (`labels`, or the class indices of a model without names), a folder
// matches a class when their names are equal ignoring case and treating spaces, underscores,
// hyphens and slashes alike ("ankle_boot" is "Ankle boot"; "t-shirt" is "T-shirt/top", whose
// parts "T-shirt" and "top" name it too), or when the folder is named by the class index ("3" is
// class 3). A folder that matches no class (or two) is an error naming every such folder and
// listing the model's classes.

/** At most this many pictures are taken from one folder. */
export const MAX_FILES = 10_000;
/** At most this many classes when the folders define them. */
export const MAX_CLASSES = 100;
/** The converted inputs of one folder take at most this many bytes (Float32 values). */
export const MAX_INPUT_BYTES = 256 * 2 ** 20;
/** File extensions read as pictures. */
export const IMAGE_EXTENSIONS = Object.freeze(["png", "jpg", "jpeg", "gif", "bmp", "webp"]);

const collator = new Intl.Collator("en", { numeric: true });

/** Sorts names in natural order ("2" before "10"), ties broken by code points. */
export function compareNames(a, b) {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The segments of a relative path ("/root/cat/1.png", "root\\cat\\1.png" -> ["root", "cat", "1.png"]). */
export function pathSegments(path) {
  return String(path)
    .split(/[\\/]+/)
    .filter((s) => s && s !== ".");
}

/** Why a file is not taken ("" when it is): hidden, not a picture, or not in a class folder. */
export function skipReason(path) {
  const parts = pathSegments(path);
  if (!parts.length) return "no file name";
  const name = parts[parts.length - 1];
  const hidden = parts.findIndex((p) => p.startsWith(".") || p === "__MACOSX");
  if (hidden === parts.length - 1) return "hidden file";
  if (hidden >= 0) return `in a hidden folder (${parts[hidden]})`;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (!IMAGE_EXTENSIONS.includes(ext)) return ext ? `not a picture (.${ext})` : "not a picture (no extension)";
  if (parts.length < 3) return "not in a class folder (it is directly in the picked folder)";
  return "";
}

/** The class folder of a file: the name of the folder it is in. */
export function folderOf(path) {
  const parts = pathSegments(path);
  return parts[parts.length - 2];
}

/** The files taken and those skipped: {files: [{index, path, folder}] sorted by path, skipped: [{path, reason}]}. */
export function sortFiles(paths) {
  const files = [];
  const skipped = [];
  paths.forEach((path, index) => {
    const reason = skipReason(path);
    if (reason) skipped.push({ path: String(path), reason });
    else files.push({ index, path: String(path), folder: folderOf(path) });
  });
  files.sort((a, b) => compareNames(a.path, b.path));
  return { files, skipped };
}

/** The class folders' names among `paths` (the files taken), sorted. */
export function folderClasses(paths) {
  return [...new Set(sortFiles(paths).files.map((f) => f.folder))].sort(compareNames);
}

/** A name compared loosely: lower case, runs of spaces, underscores, hyphens and slashes as one space. */
export function looseName(name) {
  return String(name)
    .toLowerCase()
    .replace(/[\s_\-/]+/g, " ")
    .trim();
}

/** The class names of a model: its labels when there is one per class, else "0", "1", ... */
export function modelClassNames(labels, classCount) {
  const k = classCount ?? labels?.length ?? 0;
  return labels?.length === k ? labels.map(String) : Array.from({ length: k }, (_, i) => String(i));
}

/** The model's classes as a readable list (the first 30 of a long one). */
function classList(names, named) {
  const shown = names.slice(0, 30).map((n, i) => (named && n !== String(i) ? `${i} ${n}` : n));
  const more = names.length > 30 ? `, … (${names.length} in all)` : "";
  return `${shown.join(", ")}${more}`;
}

/**
 * Class index of each folder name against a model's classes: a Map folder -> index. Throws an
 * Error naming every folder that matches no class (or more than one) and listing the classes.
 */
export function matchFolders(folders, { labels = [], classCount } = {}) {
  const k = classCount ?? labels.length;
  if (!(k > 0)) throw new Error("the model has no classes to match the folders against");
  const named = labels.length === k;
  const names = modelClassNames(labels, k);
  const byName = new Map(); // loose name -> set of class indices
  const add = (key, i) => {
    if (!key) return;
    if (!byName.has(key)) byName.set(key, new Set());
    byName.get(key).add(i);
  };
  if (named) {
    names.forEach((n, i) => {
      add(looseName(n), i);
      if (n.includes("/")) for (const part of n.split("/")) add(looseName(part), i);
    });
  }
  const out = new Map();
  const unmatched = [];
  const ambiguous = [];
  for (const folder of folders) {
    const hits = byName.get(looseName(folder));
    if (hits?.size === 1) {
      out.set(folder, [...hits][0]);
      continue;
    }
    if (hits && hits.size > 1) {
      ambiguous.push(`“${folder}” (${[...hits].map((i) => names[i]).join(" or ")})`);
      continue;
    }
    const trimmed = String(folder).trim();
    if (/^\d+$/.test(trimmed) && Number(trimmed) < k) out.set(folder, Number(trimmed));
    else unmatched.push(`“${folder}”`);
  }
  if (unmatched.length || ambiguous.length) {
    const parts = [];
    if (unmatched.length) parts.push(`${unmatched.length === 1 ? "the folder" : `${unmatched.length} folders`} ${unmatched.join(", ")} ${unmatched.length === 1 ? "matches" : "match"} no class of the model`);
    if (ambiguous.length) parts.push(`${ambiguous.join(", ")} ${ambiguous.length === 1 ? "matches" : "match"} more than one class`);
    const rule = named
      ? `name each folder after a class (case, spaces, underscores and hyphens do not matter) or by its index 0–${k - 1}`
      : `the model has no class names: name each folder by a class index 0–${k - 1}`;
    throw new Error(`${parts.join("; ")}. The model's classes: ${classList(names, named)} (${rule}).`);
  }
  return out;
}

/** Pictures of `channels x height x width` inputs that fit in MAX_INPUT_BYTES (at most MAX_FILES). */
export function maxImagesFor({ channels, height, width }) {
  return Math.max(1, Math.min(MAX_FILES, Math.floor(MAX_INPUT_BYTES / (4 * channels * height * width))));
}

/**
 * The labelled files of a picked folder. Options: `labels` and `classCount` (the model's classes
 * to match the folders against), or `define: true` (the sorted folder names are the classes, at
 * least 2 and at most MAX_CLASSES); `maxFiles` (default MAX_FILES). Returns {files: [{index, path,
 * folder, label}] sorted by path, classes: [names], folders: Map folder -> class index, skipped:
 * [{path, reason}]}. Throws an Error saying what is wrong: no pictures, none in a class folder,
 * too many, too few classes, folders that match no class.
 */
export function labelFiles(paths, { labels = [], classCount, define = false, maxFiles = MAX_FILES } = {}) {
  if (!paths.length) throw new Error("the folder is empty");
  const { files, skipped } = sortFiles(paths);
  if (!files.length) {
    const loose = skipped.filter((s) => s.reason.startsWith("not in a class folder")).length;
    const hint = loose ? ` (${loose} ${loose === 1 ? "picture is" : "pictures are"} directly in the picked folder)` : "";
    throw new Error(
      `no pictures in class folders${hint}: pick the folder that holds one folder of pictures per class (e.g. pictures/cat/1.jpg, pictures/dog/2.png; PNG, JPEG, GIF, BMP or WebP)`,
    );
  }
  if (files.length > maxFiles) {
    throw new Error(`the folder has ${files.length.toLocaleString("en")} pictures; at most ${maxFiles.toLocaleString("en")} are taken: pick a smaller folder`);
  }
  const folderNames = [...new Set(files.map((f) => f.folder))].sort(compareNames);
  let classes;
  let folders;
  if (define) {
    if (folderNames.length < 2) {
      throw new Error(`training needs at least 2 classes, one folder of pictures each; the folder has ${folderNames.length} (“${folderNames[0]}”)`);
    }
    if (folderNames.length > MAX_CLASSES) throw new Error(`the folder has ${folderNames.length} class folders; at most ${MAX_CLASSES} classes are taken`);
    classes = folderNames;
    folders = new Map(folderNames.map((n, i) => [n, i]));
  } else {
    folders = matchFolders(folderNames, { labels, classCount });
    classes = modelClassNames(labels, classCount ?? labels.length);
  }
  return { files: files.map((f) => ({ ...f, label: folders.get(f.folder) })), classes, folders, skipped };
}
