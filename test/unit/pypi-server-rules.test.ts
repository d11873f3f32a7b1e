import { describe, expect, it } from 'vitest';
import { checkForm, checkMetadata, checkSdistName, checkWheelName, validPlatformTag } from '../servers/pypi/rules.js';

// The test server must refuse what PyPI refuses, with PyPI's words (PROTOCOLS.md §1.3, §4.2).
describe('test PyPI server rules', () => {
  it('allows exactly the platform tags on PyPI\'s allow-list', () => {
    for (const ok of ['any', 'win_amd64', 'manylinux2014_aarch64', 'manylinux_2_28_x86_64', 'musllinux_1_2_riscv64', 'macosx_10_9_universal2', 'macosx_11_0_arm64', 'linux_armv7l', 'ios_13_0_arm64_iphoneos', 'android_21_arm64_v8a', 'pyemscripten_2024_0_wasm32'])
      expect(validPlatformTag(ok), ok).toBe(true);
    for (const bad of ['linux_x86_64', 'musllinux_1_2_ppc64', 'manylinux_2_17_loongarch64', 'macosx_11_1_arm64', 'macosx_16_0_arm64'])
      expect(validPlatformTag(bad), bad).toBe(false);
  });

  it('rejects Metadata-Version 2.0 and names the field first, then Name, then Version', () => {
    expect(checkForm('2.0', 'x', '1')).toMatch(/^'2\.0' is an invalid value for Metadata-Version\. Error: Use a known metadata version\./);
    expect(checkForm('2.1', '-x', '1')).toMatch(/is an invalid value for Name/);
    expect(checkForm('2.1', 'x', 'nope')).toMatch(/'nope' is an invalid value for Version/);
    expect(checkForm('2.4', 'x', '1.0')).toBeNull();
  });

  it('rejects local versions and wrong sdist or wheel names', () => {
    expect(checkMetadata('1.0+abc')).toMatch(/The use of local versions in '1\.0\+abc' is not allowed\./);
    expect(checkSdistName('demo-core-0.3.0.tar.gz', 'demo-core', '0.3.0')).toBe("Filename 'demo-core-0.3.0.tar.gz' is invalid, should be 'demo_core-0.3.0.tar.gz'.");
    expect(checkWheelName('demo_core-0.3.0-py3-none-any.whl', 'demo-core', '0.3.0.0')).toBeNull();
    expect(checkWheelName('demo_core-0.3.1-py3-none-any.whl', 'demo-core', '0.3.0')).toMatch(/Version in filename should be '0\.3\.0' not '0\.3\.1'/);
    expect(checkWheelName('other-0.3.0-py3-none-any.whl', 'demo-core', '0.3.0')).toMatch(/Start filename for 'demo-core' with 'demo_core'/);
    expect(checkWheelName('Demo_Core-0.3.0-py3-none-any.whl', 'demo-core', '0.3.0')).toMatch(/should contain the normalized project name 'demo_core', not 'Demo_Core'/);
  });
});
