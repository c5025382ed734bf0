import { SchematicsException } from '@angular-devkit/schematics';
import { formatFields, parseFields } from '../../src/entity/fields';

describe('parseFields', () => {
  it('parses the issue example into scalars, modifiers, relations and an enum', () => {
    const fields = parseFields('name:string,email:string:unique,age:int?,author:User,posts:Post[],status:Status(a|b|c)');
    expect(fields).toEqual([
      { kind: 'scalar', name: 'name', type: 'string', nullable: false, unique: false, index: false },
      { kind: 'scalar', name: 'email', type: 'string', nullable: false, unique: true, index: false },
      { kind: 'scalar', name: 'age', type: 'int', nullable: true, unique: false, index: false },
      { kind: 'manyToOne', name: 'author', target: 'User', nullable: false, unique: false, index: false },
      { kind: 'oneToMany', name: 'posts', target: 'Post', nullable: false, unique: false, index: false },
      {
        kind: 'enum',
        name: 'status',
        enumName: 'Status',
        members: [
          { key: 'A', value: 'a' },
          { key: 'B', value: 'b' },
          { key: 'C', value: 'c' },
        ],
        nullable: false,
        unique: false,
        index: false,
      },
    ]);
  });

  it('accepts every documented type, aliases, `?` on the name, and modifiers in any case', () => {
    const fields = parseFields(
      'a:string, b:text, c:int, d:integer, e:float, f:double, g:number, h:boolean, i:bool, j:date, k:datetime, l:uuid, m:json, n?:string, o:string:INDEX:unique, p:Date',
    );
    expect(fields.map((f) => (f.kind === 'scalar' ? f.type : f.kind))).toEqual([
      'string',
      'text',
      'int',
      'int',
      'float',
      'float',
      'number',
      'boolean',
      'boolean',
      'date',
      'date',
      'uuid',
      'json',
      'string',
      'string',
      'date',
    ]);
    expect(fields[13]).toMatchObject({ name: 'n', nullable: true });
    expect(fields[14]).toMatchObject({ unique: true, index: true });
  });

  it('turns enum values into PascalCase members and keeps the stored values', () => {
    const [field] = parseFields('role:Role(super-admin|read_only|guest)');
    expect(field).toMatchObject({ kind: 'enum', enumName: 'Role' });
    expect(field.kind === 'enum' && field.members).toEqual([
      { key: 'SuperAdmin', value: 'super-admin' },
      { key: 'ReadOnly', value: 'read_only' },
      { key: 'Guest', value: 'guest' },
    ]);
  });

  it('gives no fields for an empty or missing spec', () => {
    expect(parseFields(undefined)).toEqual([]);
    expect(parseFields('')).toEqual([]);
    expect(parseFields(' , ')).toEqual([]);
  });

  it.each([
    ['name', /write name:type/],
    ['name:', /write name:type/],
    ['1name:string', /not a usable property name/],
    ['class:string', /not a usable property name/],
    ['id:int', /generated on every entity/],
    ['createdAt:date', /generated on every entity/],
    ['name:strin', /unknown type "strin"/],
    ['name:string:primary', /unknown modifier "primary"/],
    ['name:string,name:text', /listed twice/],
    ['posts:post[]', /not an entity class name/],
    ['posts:Post[]?', /collection \(OneToMany\) takes no/],
    ['status:Status()', /enum values/],
    ['status:Status(1a|b)', /enum values/],
    ['a:S(x|y),b:S(x|z)', /other values/],
  ])('rejects %s with a clear SchematicsException', (spec, message) => {
    expect(() => parseFields(spec)).toThrow(SchematicsException);
    expect(() => parseFields(spec)).toThrow(message);
  });
});

describe('formatFields', () => {
  it('writes fields back in the --fields syntax', () => {
    const spec = 'name:string,email:string:unique,age:int?,author:User,posts:Post[],status:Status(a|b),tag:string:index';
    expect(formatFields(parseFields(spec))).toBe(spec);
  });
});
