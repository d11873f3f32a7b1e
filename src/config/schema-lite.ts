// Generated from src/config/schema.ts (z.toJSONSchema, descriptions left out) for the fast path in ./fast.ts; do not edit.
// test/unit/config-fast.test.ts fails when it no longer matches the schema and says how to regenerate it.

/** The subset of JSON Schema the fast path reads. */
export interface LiteSchema {
  type?: string;
  properties?: Record<string, LiteSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: LiteSchema;
  anyOf?: LiteSchema[];
  enum?: string[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export const CONFIG_SCHEMA_LITE: LiteSchema = {
  "type": "object",
  "properties": {
    "version_file": {
      "default": "VERSION",
      "type": "string"
    },
    "version_scheme": {
      "default": "pep440",
      "type": "string",
      "enum": [
        "pep440",
        "calver",
        "semver"
      ]
    },
    "development_status": {
      "default": false,
      "type": "boolean"
    },
    "packages": {
      "default": [],
      "type": "array",
      "items": {
        "anyOf": [
          {
            "type": "string",
            "minLength": 1
          },
          {
            "type": "object",
            "properties": {
              "path": {
                "type": "string",
                "minLength": 1
              },
              "kind": {
                "type": "string",
                "enum": [
                  "pure",
                  "native",
                  "abi3",
                  "platform"
                ]
              },
              "builder": {
                "type": "string",
                "enum": [
                  "build",
                  "cibuildwheel",
                  "maturin",
                  "pants"
                ]
              },
              "targets": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "python": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            },
            "required": [
              "path"
            ],
            "additionalProperties": false
          }
        ]
      }
    },
    "python": {
      "default": [
        "3.10",
        "3.11",
        "3.12",
        "3.13"
      ],
      "type": "array",
      "items": {
        "type": "string",
        "pattern": "^3\\.\\d+t?$"
      }
    },
    "targets": {
      "default": [
        "linux-x86_64",
        "linux-aarch64",
        "musllinux-x86_64",
        "macos-x86_64",
        "macos-arm64",
        "windows-amd64"
      ],
      "type": "array",
      "items": {
        "type": "string"
      }
    },
    "recipes_dir": {
      "default": ".wheelwright/recipes",
      "type": "string"
    },
    "notes": {
      "default": {
        "consolidate_rc": false,
        "require_fragments": true,
        "code_paths": []
      },
      "type": "object",
      "properties": {
        "config": {
          "type": "string"
        },
        "consolidate_rc": {
          "default": false,
          "type": "boolean"
        },
        "require_fragments": {
          "default": true,
          "type": "boolean"
        },
        "code_paths": {
          "default": [],
          "type": "array",
          "items": {
            "type": "string"
          }
        }
      },
      "required": [
        "consolidate_rc",
        "require_fragments",
        "code_paths"
      ],
      "additionalProperties": false
    },
    "git": {
      "default": {
        "tag_prefix": "v",
        "commit_message": "release: {version}",
        "release_branch": "main",
        "remote": "origin"
      },
      "type": "object",
      "properties": {
        "tag_prefix": {
          "default": "v",
          "type": "string"
        },
        "commit_message": {
          "default": "release: {version}",
          "type": "string"
        },
        "release_branch": {
          "default": "main",
          "type": "string"
        },
        "remote": {
          "default": "origin",
          "type": "string"
        }
      },
      "required": [
        "tag_prefix",
        "commit_message",
        "release_branch",
        "remote"
      ],
      "additionalProperties": false
    },
    "publish": {
      "default": {
        "to": [
          "index"
        ],
        "pypi": {
          "repository_url": "https://upload.pypi.org/legacy/",
          "concurrency": 4,
          "trusted_publishing": "auto",
          "attestations": true
        },
        "github": {
          "api_url": "https://api.github.com",
          "make_latest": "true",
          "attestations": true
        },
        "index": {
          "dir": "dist/index"
        }
      },
      "type": "object",
      "properties": {
        "to": {
          "default": [
            "index"
          ],
          "type": "array",
          "items": {
            "type": "string",
            "enum": [
              "pypi",
              "github",
              "index"
            ]
          }
        },
        "pypi": {
          "default": {
            "repository_url": "https://upload.pypi.org/legacy/",
            "concurrency": 4,
            "trusted_publishing": "auto",
            "attestations": true
          },
          "type": "object",
          "properties": {
            "repository_url": {
              "default": "https://upload.pypi.org/legacy/",
              "type": "string",
              "format": "uri"
            },
            "concurrency": {
              "default": 4,
              "type": "integer",
              "minimum": 1,
              "maximum": 32
            },
            "trusted_publishing": {
              "default": "auto",
              "type": "string",
              "enum": [
                "auto",
                "always",
                "never"
              ]
            },
            "attestations": {
              "default": true,
              "type": "boolean"
            }
          },
          "required": [
            "repository_url",
            "concurrency",
            "trusted_publishing",
            "attestations"
          ],
          "additionalProperties": false
        },
        "github": {
          "default": {
            "api_url": "https://api.github.com",
            "make_latest": "true",
            "attestations": true
          },
          "type": "object",
          "properties": {
            "repository": {
              "type": "string",
              "pattern": "^[\\w.-]+\\/[\\w.-]+$"
            },
            "api_url": {
              "default": "https://api.github.com",
              "type": "string",
              "format": "uri"
            },
            "make_latest": {
              "default": "true",
              "type": "string",
              "enum": [
                "true",
                "false",
                "legacy"
              ]
            },
            "attestations": {
              "default": true,
              "type": "boolean"
            }
          },
          "required": [
            "api_url",
            "make_latest",
            "attestations"
          ],
          "additionalProperties": false
        },
        "index": {
          "default": {
            "dir": "dist/index"
          },
          "type": "object",
          "properties": {
            "dir": {
              "default": "dist/index",
              "type": "string"
            },
            "url": {
              "type": "string"
            }
          },
          "required": [
            "dir"
          ],
          "additionalProperties": false
        }
      },
      "required": [
        "to",
        "pypi",
        "github",
        "index"
      ],
      "additionalProperties": false
    },
    "verify": {
      "default": {
        "max_uncompressed_mb": 4096,
        "max_ratio": 200,
        "strict": false,
        "ignore": []
      },
      "type": "object",
      "properties": {
        "max_uncompressed_mb": {
          "default": 4096,
          "type": "number",
          "exclusiveMinimum": 0
        },
        "max_ratio": {
          "default": 200,
          "type": "number",
          "exclusiveMinimum": 0
        },
        "strict": {
          "default": false,
          "type": "boolean"
        },
        "ignore": {
          "default": [],
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "code": {
                "type": "string",
                "pattern": "^(W|S|SET)-[A-Z0-9-]+$"
              },
              "reason": {
                "type": "string",
                "minLength": 1
              }
            },
            "required": [
              "code",
              "reason"
            ],
            "additionalProperties": false
          }
        }
      },
      "required": [
        "max_uncompressed_mb",
        "max_ratio",
        "strict",
        "ignore"
      ],
      "additionalProperties": false
    },
    "set_distribution": {
      "default": false,
      "anyOf": [
        {
          "type": "boolean"
        },
        {
          "type": "object",
          "properties": {
            "name": {
              "type": "string",
              "pattern": "^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$"
            }
          },
          "additionalProperties": false
        }
      ]
    },
    "lines": {
      "default": [],
      "anyOf": [
        {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "name": {
                "type": "string"
              },
              "series": {
                "type": "string"
              },
              "lts": {
                "default": false,
                "type": "boolean"
              },
              "channel": {
                "type": "string"
              },
              "end": {
                "type": "string"
              }
            },
            "required": [
              "name",
              "series",
              "lts"
            ],
            "additionalProperties": false
          }
        },
        {
          "type": "object",
          "properties": {
            "file": {
              "type": "string",
              "minLength": 1
            }
          },
          "required": [
            "file"
          ],
          "additionalProperties": false
        }
      ]
    }
  },
  "required": [
    "version_file",
    "version_scheme",
    "development_status",
    "packages",
    "python",
    "targets",
    "recipes_dir",
    "notes",
    "git",
    "publish",
    "verify",
    "set_distribution",
    "lines"
  ],
  "additionalProperties": false
};
