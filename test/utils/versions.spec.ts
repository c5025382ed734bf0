import { chooseOrmMajor, compareVersions, majorOf, ormPackages } from '../../src/utils/versions';

describe('versions', () => {
  it('reads the major of package.json ranges', () => {
    expect(majorOf('^11.0.1')).toBe(11);
    expect(majorOf('~6.6.16')).toBe(6);
    expect(majorOf('7.2.1')).toBe(7);
    expect(majorOf('>=10.0.0 <12')).toBe(10);
    expect(majorOf('npm:@mikro-orm/core@6.6.0')).toBe(6);
    expect(majorOf(undefined)).toBeUndefined();
    expect(majorOf('latest')).toBeUndefined();
  });

  it('compares versions numerically', () => {
    expect(compareVersions('22.17.0', '22.9.0')).toBeGreaterThan(0);
    expect(compareVersions('v20.20.2', '22.17.0')).toBeLessThan(0);
    expect(compareVersions('22.17.0', '22.17.0')).toBe(0);
  });

  it.each([
    [{ nestMajor: 12, nodeVersion: '22.23.5' }, 7],
    [{ nestMajor: 11, nodeVersion: '22.17.0' }, 7],
    [{ nestMajor: 11, nodeVersion: '20.20.2' }, 6],
    [{ nestMajor: 10, nodeVersion: '24.1.0' }, 6],
    [{ nestMajor: 12, existingOrmMajor: 6, nodeVersion: '22.23.5' }, 6],
    [{ nestMajor: 10, existingOrmMajor: 7, nodeVersion: '22.23.5' }, 7],
    [{ nodeVersion: '22.23.5' }, 7],
  ])('%j → MikroORM %i', (inputs, major) => {
    expect(chooseOrmMajor(inputs).major).toBe(major);
  });

  it('says why it fell back to MikroORM 6', () => {
    expect(chooseOrmMajor({ nestMajor: 11, nodeVersion: '20.20.2' }).reason).toBe('MikroORM 7 needs Node 22.17.0+ (this is Node 20.20.2)');
  });

  it('pins a set that installs together', () => {
    expect(ormPackages('postgresql', { nestMajor: 12, nodeVersion: '22.23.5' })).toEqual({
      major: 7,
      dependencies: {
        '@mikro-orm/core': '7.2.1',
        '@mikro-orm/nestjs': '7.1.0',
        '@mikro-orm/postgresql': '7.2.1',
        '@mikro-orm/decorators': '7.2.1',
        'reflect-metadata': '^0.2.2',
      },
      devDependencies: { '@mikro-orm/cli': '7.2.1' },
      reason: 'Nest 12 on Node 22.23.5',
    });
    const v6 = ormPackages('sqlite', { nestMajor: 10, nodeVersion: '22.23.5' });
    expect(v6.dependencies).toEqual({
      '@mikro-orm/core': '6.6.16',
      '@mikro-orm/nestjs': '6.1.2',
      '@mikro-orm/sqlite': '6.6.16',
      'reflect-metadata': '^0.2.2',
    });
  });
});
