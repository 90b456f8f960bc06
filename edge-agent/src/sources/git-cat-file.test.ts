import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatFileProcess } from './git-cat-file';
import { createPlantRepo, type PlantRepo } from './git-fixture';

describe('a long-lived cat-file process', () => {
  let repo: PlantRepo;
  let commit: string;
  beforeAll(async () => {
    repo = await createPlantRepo();
    commit = await repo.commit({ 'a.st': 'A\n', 'b.st': 'B'.repeat(200_000) }, 'one');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it('answers names in order, contents across output chunks, and undefined for a missing name', async () => {
    const cat = new CatFileProcess(repo.bare, 'batch', process.env, 'plant.git');
    try {
      const [c, missing, a, b] = await cat.query([
        'refs/heads/main^{commit}',
        'refs/heads/nope',
        `${commit}:a.st`,
        `${commit}:b.st`,
      ]);
      expect(c).toMatchObject({ oid: commit, type: 'commit' });
      expect(missing).toBeUndefined();
      expect(a!.content.toString()).toBe('A\n');
      expect(b!.size).toBe(200_000);
      expect(b!.content.toString()).toBe('B'.repeat(200_000));
    } finally {
      cat.close();
    }
  });

  it('starts again after it was closed, and refuses a name that would split a query', async () => {
    const cat = new CatFileProcess(repo.bare, 'batch-check', process.env, 'plant.git');
    const [before] = await cat.query(['refs/heads/main']);
    cat.close();
    const [after] = await cat.query(['refs/heads/main']);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ type: 'commit', size: expect.any(Number) });
    await expect(cat.query(['main\nrefs/heads/main'])).rejects.toMatchObject({ code: 'bad-path' });
    cat.close();
  });

  it('fails every pending query, naming the repository, when git cannot run there', async () => {
    const cat = new CatFileProcess(`${repo.bare}-missing`, 'batch', process.env, 'gone.git');
    await expect(cat.query(['HEAD'])).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^gone\.git: git cat-file ended \(exit \d+\)/),
    });
  });
});
