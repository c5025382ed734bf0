import { SchematicsException } from '@angular-devkit/schematics';
import { featureNames, words } from '../../src/utils/names';

describe('featureNames', () => {
  it.each([
    ['users', '', 'user', 'User', 'users', 'Users'],
    ['user', '', 'user', 'User', 'users', 'Users'],
    ['UserProfiles', '', 'user-profile', 'UserProfile', 'user-profiles', 'UserProfiles'],
    ['user-profile', '', 'user-profile', 'UserProfile', 'user-profiles', 'UserProfiles'],
    ['admin/users', 'admin', 'user', 'User', 'users', 'Users'],
    ['people', '', 'person', 'Person', 'people', 'People'],
    ['Admin/OrderItems', 'admin', 'order-item', 'OrderItem', 'order-items', 'OrderItems'],
  ])('%s', (input, directory, kebab, pascal, pluralKebab, pluralPascal) => {
    const names = featureNames(input);
    expect(names.directory).toBe(directory);
    expect(names.singular).toEqual({ kebab, pascal, camel: pascal[0].toLowerCase() + pascal.slice(1) });
    expect(names.plural.kebab).toBe(pluralKebab);
    expect(names.plural.pascal).toBe(pluralPascal);
  });

  it.each([
    ['../x', 'must stay inside the project'],
    ['class', 'reserved word'],
    ['123abc', 'must start with a letter'],
    ['', 'A name is required'],
    ['  ', 'A name is required'],
    ['user profile', 'must start with a letter and contain only letters'],
    ['a//b', 'must stay inside the project'],
  ])('rejects %p', (input, message) => {
    expect(() => featureNames(input)).toThrow(SchematicsException);
    expect(() => featureNames(input)).toThrow(message);
  });

  it('splits every case style into words', () => {
    expect(words('HTTPRequestLog')).toEqual(['http', 'request', 'log']);
    expect(words('order_items')).toEqual(['order', 'items']);
  });
});
