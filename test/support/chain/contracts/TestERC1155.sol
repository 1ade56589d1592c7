// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155URIStorage} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155URIStorage.sol";

/// uri(id): the token's own URI once set (which emits URI), else the `{id}` template.
contract TestERC1155 is ERC1155URIStorage {
    constructor(string memory template) ERC1155(template) {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }

    function mintBatch(address to, uint256[] calldata ids, uint256[] calldata amounts) external {
        _mintBatch(to, ids, amounts, "");
    }

    function mintWithURI(address to, uint256 id, uint256 amount, string calldata tokenUri) external {
        _mint(to, id, amount, "");
        _setURI(id, tokenUri);
    }

    function setURI(uint256 id, string calldata tokenUri) external {
        _setURI(id, tokenUri);
    }
}
